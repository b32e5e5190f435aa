/**
 * A short human summary (`message`) for every OpenCanary logtype, e.g. "ssh login attempt:
 * root / 123456", "http GET /index.html", "tftp READ /etc/passwd". The raw line stays in
 * event.original. Every attacker-supplied value is cut to MAX_VALUE characters and has its
 * control characters (C0, DEL, C1, line/paragraph separators, bidi controls) replaced by a
 * visible escape (\n, \r, \t, \xHH, \uHHHH), so a value can never start a new log line or
 * reorder what the analyst reads. Escaping for HTML/email/syslog still happens where the
 * message is rendered; this only keeps the text to one readable line.
 *
 * Redis keeps OpenCanary's "CMD ARGS" form (no prefix): the agent's MONITOR collector writes the
 * same message and the built-in Redis abuse rule (rules/redis.yml) matches its start.
 */
import type { LogtypeInfo } from './opencanary-logtypes.ts';
import { isPlainObject, type Obj } from './util.ts';

/** What OpenCanary's VNC logs when the response matched none of its common passwords. */
export const VNC_NOT_FOUND = '<Password was not in the common list>';
/** Longest attacker-supplied value kept in a message, in UTF-16 code units. */
export const MAX_VALUE = 200;
const ELLIPSIS = '…';
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_RE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_TEST = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One attacker-supplied value made safe for a one-line message: strings and numbers only
 * (anything else is ''), at most `max` characters (never splitting a surrogate pair) plus "…",
 * control characters escaped.
 */
export function cleanValue(v: unknown, max = MAX_VALUE): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
  else if (typeof v === 'boolean') s = String(v);
  else return '';
  if (s.length > max) {
    let end = max;
    const c = s.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--; // a high surrogate whose pair would be cut off
    s = s.slice(0, end) + ELLIPSIS;
  }
  return UNSAFE_TEST.test(s) ? s.replace(UNSAFE_RE, escapeChar) : s;
}

/** A value, or `fallback` when it is missing or empty. */
function val(v: unknown, fallback = '(empty)'): string {
  const s = cleanValue(v);
  return s === '' ? fallback : s;
}

/** " user / password" style credential part; a password that is absent (not just empty) is left out. */
function cred(user: unknown, password: unknown): string {
  const u = val(user);
  return password === undefined || password === null ? u : `${u} / ${val(password)}`;
}

/** ": value" when there is a value, '' otherwise. */
function tail(v: unknown, sep = ': '): string {
  const s = cleanValue(v);
  return s === '' ? '' : `${sep}${s}`;
}

/** The text of a system record: {"msg": {"logdata": "..."}} or {"msg": "..."}. */
export function systemText(logdata: Obj): string | undefined {
  const msg = logdata.msg;
  const text = isPlainObject(msg) ? msg.logdata : msg;
  return typeof text === 'string' && text.length > 0 ? text : undefined;
}

const PORTSCAN: Record<number, string> = {
  5001: 'port scan: SYN',
  5002: 'port scan: nmap OS detection probe',
  5003: 'port scan: nmap NULL scan',
  5004: 'port scan: nmap XMAS scan',
  5005: 'port scan: nmap FIN scan',
};

function firstHeader(headers: unknown, name: string): unknown {
  if (!isPlainObject(headers)) return undefined;
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function snmpMessage(d: Obj): string {
  const oids = Array.isArray(d.REQUESTS) ? d.REQUESTS.slice(0, 5).map((o) => cleanValue(o)) : [];
  const more = Array.isArray(d.REQUESTS) && d.REQUESTS.length > 5 ? ` (+${d.REQUESTS.length - 5} more)` : '';
  const community = d.COMMUNITY_STRING === undefined ? '' : ` (community ${val(d.COMMUNITY_STRING)})`;
  return `snmp request${community}${oids.length ? `: ${oids.join(', ')}${more}` : ''}`;
}

function mongodbMessage(d: Obj): string {
  switch (d.action) {
    case 'mongodb.connection':
      return 'mongodb connection';
    case 'mongodb.disconnect':
      return 'mongodb disconnect';
    case 'mongodb.auth_attempt':
      return `mongodb login attempt: ${val(d.username)}${tail(d.mechanism, ' via ')}`;
    case 'mongodb.command':
      return `mongodb command${tail(d.command)}${tail(d.db, ' on ')}`;
    case 'mongodb.error':
      return `mongodb error${tail(d.error)}`;
    default:
      return 'mongodb event';
  }
}

function httpMessage(logtype: number, d: Obj): string {
  const path = val(d.PATH, '/');
  switch (logtype) {
    case 3000:
      return `http GET ${path}`;
    case 3001:
      return `http login attempt: ${cred(d.USERNAME, d.PASSWORD)}`;
    case 3002:
      return `http ${val(d.REQUEST_TYPE, '?')} ${path} (method not implemented)`;
    default:
      return `http GET ${path} (redirect)`;
  }
}

function tcpbannerMessage(logtype: number, d: Obj): string {
  switch (logtype) {
    case 18001:
      return 'tcpbanner connection';
    case 18002:
      return 'tcpbanner keepalive connection';
    case 18003:
      return 'tcpbanner keepalive secret received';
    case 18004:
      return `tcpbanner keepalive data${tail(d.DATA)}`;
    default:
      return `tcpbanner data${tail(d.DATA)}${d.ALERT_STRING === undefined ? '' : ' (alert string matched)'}`;
  }
}

/**
 * The message for one record. `logdata` is the record's logdata object, `dstPort` the port the
 * attacker reached (portscan lines carry it as a string).
 */
export function opencanaryMessage(logtype: number, info: LogtypeInfo, d: Obj, dstPort?: number): string {
  switch (info.service) {
    case 'opencanary':
      return cleanValue(systemText(d) ?? '', 4 * MAX_VALUE) || `opencanary ${info.action.replace(/^system\./, '')}`;
    case 'ftp':
      return logtype === 2000 ? `ftp login attempt: ${cred(d.USERNAME, d.PASSWORD)}` : 'ftp auth attempt initiated';
    case 'http':
      return httpMessage(logtype, d);
    case 'ssh':
      if (logtype === 4000) return 'ssh new connection';
      if (logtype === 4001) return `ssh client version${tail(d.REMOTEVERSION)}`;
      if (d.PASSWORD === undefined && d.FINGERPRINT !== undefined)
        return `ssh login attempt: ${val(d.USERNAME)} (public key ${val(d.KEY_TYPE, '?')} ${val(d.FINGERPRINT)})`;
      return `ssh login attempt: ${cred(d.USERNAME, d.PASSWORD)}`;
    case 'smb':
      return `smb file open: ${val(d.FILENAME)}${tail(d.USER, ' by ')}`;
    case 'portscan':
      return `${PORTSCAN[logtype] ?? 'port scan'}${dstPort === undefined ? '' : ` to port ${dstPort}`}`;
    case 'telnet':
      return logtype === 6001 ? `telnet login attempt: ${cred(d.USERNAME, d.PASSWORD)}` : 'telnet connection';
    case 'httpproxy':
      return `httpproxy login attempt: ${cred(d.USERNAME, d.PASSWORD)}`;
    case 'mysql':
      return logtype === 8001 ? `mysql login attempt: ${cred(d.USERNAME, d.PASSWORD)}` : 'mysql connection';
    case 'mssql':
      if (logtype === 9002) return 'mssql login attempt (windows authentication)';
      return `mssql login attempt: ${cred(d.UserName ?? d.USERNAME, d.Password ?? d.PASSWORD)}`;
    case 'tftp':
      return `tftp ${val(d.OPCODE, 'request')} ${val(d.FILENAME)}`;
    case 'ntp':
      return `ntp ${val(d['NTP CMD'], 'command')} request`;
    case 'vnc': {
      const pw = d['VNC Password'];
      return typeof pw === 'string' && pw !== VNC_NOT_FOUND && pw !== ''
        ? `vnc login attempt: password ${val(pw)}`
        : 'vnc login attempt (password not in the common list)';
    }
    case 'snmp':
      return snmpMessage(d);
    case 'rdp':
      return typeof d.USERNAME === 'string' && d.USERNAME
        ? `rdp login attempt: ${val(d.USERNAME)}`
        : 'rdp connection (no user name)';
    case 'sip':
      return `sip request${tail(firstHeader(d.HEADERS, 'cseq'))}${tail(firstHeader(d.HEADERS, 'from'), ' from ')}`;
    case 'git':
      return `git clone request: ${val(d.REPO)}${tail(d.HOST, ' on ')}`;
    case 'redis':
      return typeof d.ARGS === 'string' && d.ARGS ? `${val(d.CMD, '?')} ${cleanValue(d.ARGS)}` : val(d.CMD, '?');
    case 'tcpbanner':
      return tcpbannerMessage(logtype, d);
    case 'llmnr':
      return `llmnr response for ${val(d.query_hostname)}${tail(d.response)}`;
    case 'mongodb':
      return mongodbMessage(d);
    case 'user':
      return `opencanary user module event ${logtype}`;
    default:
      return `opencanary logtype ${logtype}`;
  }
}
