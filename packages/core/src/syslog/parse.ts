/**
 * Syslog message parser: RFC 5424 and RFC 3164 (BSD), plus the variants real senders emit
 * (rsyslog RFC 3339 timestamps in BSD framing, no PRI in tailed files, no hostname from
 * /dev/log-style senders such as Python's SysLogHandler).
 *
 * Hand-written on purpose: no maintained npm library parses RFC 5424 + RFC 3164 (+ RFC 6587
 * framing, see framing.ts) with the leniency a receiver needs, and this is the hot path.
 * Never throws: garbage gives a best-effort result; `malformed` is set only when the input is
 * not syslog text at all (empty, binary), so the caller can count it.
 */

export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface SyslogMessage {
  format: '3164' | '5424';
  /** facility * 8 + severity (the default 13 when the message had no PRI). */
  priority: number;
  facility: number;
  severity: number;
  facilityName: string;
  severityName: string;
  /** false when the PRI part was missing or invalid and the RFC 3164 default was used. */
  hasPri: boolean;
  timestamp: Date | undefined;
  hostname: string | undefined;
  appName: string | undefined;
  procId: string | undefined;
  msgId: string | undefined;
  structuredData: StructuredData | undefined;
  message: string;
  malformed: boolean;
}

export interface ParseSyslogOptions {
  /** Receive time, used to pick the year of BSD timestamps (default: now). */
  receivedAt?: Date;
}

export const FACILITY_NAMES: readonly string[] = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

export const SEVERITY_NAMES: readonly string[] = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
];

/** RFC 3164 §4.3.3: a message without PRI is user.notice. */
const DEFAULT_PRI = 13;
const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const DAY_MS = 86_400_000;

// Sticky regexes, anchored at the current position; fixed-width pieces only, so no backtracking blow-up.
const BSD_TS_RE = /([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: |$)/y;
const ISO_TS_RE = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?: |$)/y;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

function result(pri: number, hasPri: boolean, format: '3164' | '5424', message: string): SyslogMessage {
  const facility = pri >> 3;
  const severity = pri & 7;
  return {
    format,
    priority: pri,
    facility,
    severity,
    facilityName: FACILITY_NAMES[facility] ?? String(facility),
    severityName: SEVERITY_NAMES[severity] as string,
    hasPri,
    timestamp: undefined,
    hostname: undefined,
    appName: undefined,
    procId: undefined,
    msgId: undefined,
    structuredData: undefined,
    message,
    malformed: false,
  };
}

/** True when the text is mostly control characters or decoding failures (binary junk). */
function looksBinary(s: string): boolean {
  const n = Math.min(s.length, 512);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || c === 0x7f) bad++;
  }
  return bad * 8 > n;
}

/** Builds a UTC epoch from date parts; `offset` is "Z", "+hh:mm", "+hhmm" or undefined (UTC). */
function epochOf(m: RegExpExecArray, offsetIndex: number): number {
  const frac = m[7];
  const ms = frac ? Number(`${frac}00`.slice(0, 3)) : 0;
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  const off = m[offsetIndex];
  if (off && off !== 'Z') {
    const digits = off.length === 6 ? off.slice(1, 3) + off.slice(4) : off.slice(1);
    const mins = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    t += off[0] === '-' ? mins * 60_000 : -mins * 60_000;
  }
  return t;
}

function validDate(t: number, m: RegExpExecArray): Date | undefined {
  // Date.UTC rolls over out-of-range parts (month 13, Feb 31): reject those.
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) {
    return undefined;
  }
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** Parses an RFC 3339 timestamp strictly (as RFC 5424 requires). */
export function parseRfc3339(s: string): Date | undefined {
  const m = RFC3339_RE.exec(s);
  return m ? validDate(epochOf(m, 8), m) : undefined;
}

/**
 * BSD timestamps have no year: choose the year that puts the time closest to the receive
 * time, without being more than a day in the future (clock skew allowance).
 */
export function inferYear(month: number, day: number, h: number, mi: number, s: number, ms: number, now: Date): Date {
  const nowMs = now.getTime();
  const y = now.getUTCFullYear();
  let best = Date.UTC(y, month, day, h, mi, s, ms);
  for (const cand of [y - 1, y + 1]) {
    const t = Date.UTC(cand, month, day, h, mi, s, ms);
    if (t > nowMs + DAY_MS) continue;
    if (best > nowMs + DAY_MS || Math.abs(t - nowMs) < Math.abs(best - nowMs)) best = t;
  }
  return new Date(best);
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Parses one syslog message. Never throws. */
export function parseSyslog(input: string | Buffer, opts: ParseSyslogOptions = {}): SyslogMessage {
  let s = typeof input === 'string' ? input : input.toString('utf8');
  // Trailing LF / CR / NUL are framing leftovers (Python's SysLogHandler appends a NUL).
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c === 10 || c === 13 || c === 0) end--;
    else break;
  }
  if (end !== s.length) s = s.slice(0, end);
  if (s.trim().length === 0 || looksBinary(s)) {
    const r = result(DEFAULT_PRI, false, '3164', s);
    r.malformed = true;
    return r;
  }

  let pos = 0;
  let pri = DEFAULT_PRI;
  let hasPri = false;
  if (s.charCodeAt(0) === 60 /* < */) {
    let v = 0;
    let i = 1;
    while (i < 4 && i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    if (i > 1 && s.charCodeAt(i) === 62 /* > */ && v <= 191) {
      pri = v;
      hasPri = true;
      pos = i + 1;
    }
  }

  if (hasPri && s.charCodeAt(pos) === 49 /* 1 */ && s.charCodeAt(pos + 1) === 32) {
    return parse5424(s, pos + 2, pri);
  }
  return parse3164(s, pos, pri, hasPri, opts.receivedAt ?? new Date());
}

/** Reads a space-terminated header field; returns [value, nextPos] or undefined at the end. */
function field(s: string, pos: number): [string, number] | undefined {
  if (pos >= s.length) return undefined;
  const sp = s.indexOf(' ', pos);
  if (sp === -1) return [s.slice(pos), s.length];
  return [s.slice(pos, sp), sp + 1];
}

function nil(v: string): string | undefined {
  return v === '-' || v === '' ? undefined : v;
}

function parse5424(s: string, pos: number, pri: number): SyslogMessage {
  const r = result(pri, true, '5424', '');
  const ts = field(s, pos);
  if (!ts) return r;
  r.timestamp = ts[0] === '-' ? undefined : parseRfc3339(ts[0]);
  const host = field(s, ts[1]);
  if (!host) return r;
  r.hostname = nil(host[0]);
  const app = field(s, host[1]);
  if (!app) return r;
  r.appName = nil(app[0]);
  const proc = field(s, app[1]);
  if (!proc) return r;
  r.procId = nil(proc[0]);
  const msgid = field(s, proc[1]);
  if (!msgid) return r;
  r.msgId = nil(msgid[0]);
  pos = msgid[1];
  if (s.charCodeAt(pos) === 45 /* - */) {
    pos++;
  } else if (s.charCodeAt(pos) === 91 /* [ */) {
    const sd = parseStructuredData(s, pos);
    if (sd) {
      r.structuredData = sd.data;
      pos = sd.end;
    }
    // Invalid SD: keep everything from here as the message rather than lose it.
  }
  if (s.charCodeAt(pos) === 32) pos++;
  r.message = stripBom(s.slice(pos));
  return r;
}

/** RFC 5424 STRUCTURED-DATA: [id name="value" ...][id2 ...]; values escape \" \\ \]. */
export function parseStructuredData(s: string, pos: number): { data: StructuredData; end: number } | undefined {
  const data: StructuredData = {};
  const n = s.length;
  while (pos < n && s.charCodeAt(pos) === 91) {
    pos++;
    const idStart = pos;
    while (pos < n) {
      const c = s.charCodeAt(pos);
      if (c === 32 || c === 93 || c === 61 || c === 34) break;
      pos++;
    }
    const id = s.slice(idStart, pos);
    if (id.length === 0 || id.length > 32 || pos >= n) return undefined;
    const params: Record<string, string | string[]> = data[id] ?? {};
    while (s.charCodeAt(pos) === 32) {
      pos++;
      const eq = s.indexOf('=', pos);
      if (eq === -1 || eq - pos > 32 || eq === pos) return undefined;
      const name = s.slice(pos, eq);
      if (s.charCodeAt(eq + 1) !== 34) return undefined;
      pos = eq + 2;
      let value = '';
      let chunkStart = pos;
      let closed = false;
      while (pos < n) {
        const c = s.charCodeAt(pos);
        if (c === 92 /* \ */) {
          const nx = s.charCodeAt(pos + 1);
          if (nx === 34 || nx === 92 || nx === 93) {
            value += s.slice(chunkStart, pos);
            chunkStart = pos + 1;
            pos += 2;
            continue;
          }
        } else if (c === 34) {
          closed = true;
          break;
        }
        pos++;
      }
      if (!closed) return undefined;
      value += s.slice(chunkStart, pos);
      pos++;
      if (name === '__proto__') continue;
      const prev = params[name];
      if (prev === undefined) params[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else params[name] = [prev, value];
    }
    if (s.charCodeAt(pos) !== 93) return undefined;
    pos++;
    if (id !== '__proto__') data[id] = params;
  }
  return { data, end: pos };
}

function parse3164(s: string, pos: number, pri: number, hasPri: boolean, now: Date): SyslogMessage {
  const r = result(pri, hasPri, '3164', '');
  let haveTs = false;
  BSD_TS_RE.lastIndex = pos;
  let m = BSD_TS_RE.exec(s);
  if (m) {
    const month = MONTHS[m[1] as string];
    const day = Number(m[2]);
    if (month !== undefined && day >= 1 && day <= 31) {
      const ms = m[6] ? Number(`${m[6]}00`.slice(0, 3)) : 0;
      r.timestamp = inferYear(month, day, Number(m[3]), Number(m[4]), Number(m[5]), ms, now);
      haveTs = true;
      pos = BSD_TS_RE.lastIndex;
    }
  } else {
    ISO_TS_RE.lastIndex = pos;
    m = ISO_TS_RE.exec(s);
    if (m) {
      r.timestamp = validDate(epochOf(m, 8), m);
      haveTs = true;
      pos = ISO_TS_RE.lastIndex;
    }
  }

  // Hostname: only after a timestamp (senders without one, like /dev/log clients, omit it too).
  if (haveTs) {
    const sp = s.indexOf(' ', pos);
    const tok = sp === -1 ? s.slice(pos) : s.slice(pos, sp);
    if (tok.length > 0 && !tok.endsWith(':') && !tok.includes('[') && sp !== -1) {
      r.hostname = tok;
      pos = sp + 1;
    }
  }

  // TAG[PID]: — program names in the wild include '-', '.', '/', '_' (postfix/smtpd).
  const n = s.length;
  let i = pos;
  const limit = Math.min(n, pos + 64);
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (c === 91 /* [ */ || c === 58 /* : */ || c === 32) break;
    if (c === 123 /* { */ || c === 34 /* " */) {
      i = pos; // a JSON payload, not a tag
      break;
    }
    i++;
  }
  const c = s.charCodeAt(i);
  if (i > pos && c === 58 && (i + 1 >= n || s.charCodeAt(i + 1) === 32)) {
    r.appName = s.slice(pos, i);
    pos = i + 1;
  } else if (i > pos && c === 91) {
    const close = s.indexOf(']', i);
    if (close !== -1 && close - i <= 34) {
      r.appName = s.slice(pos, i);
      const pid = s.slice(i + 1, close).trim(); // Python pads %(process)-5s with spaces
      r.procId = pid.length ? pid : undefined;
      pos = close + 1;
      if (s.charCodeAt(pos) === 58) pos++;
    }
  }
  if (s.charCodeAt(pos) === 32) pos++;
  r.message = stripBom(pos === 0 ? s : s.slice(pos));
  return r;
}
