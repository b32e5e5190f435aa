/**
 * OpenCanary JSON log lines → ECS. Timestamps: `utc_time` when present, else `local_time`
 * (which OpenCanary writes in UTC despite the name); `local_time_adjusted` is local time and
 * ignored. dst_port/src_port -1 and an empty dst_host mean absent. Portscan lines carry
 * ports as strings. Login attempts on a honeypot always fail: outcome 'failure'.
 *
 * The sensor's own records (logtypes 1000-1006: boot, "Canary running!!!", debug, errors,
 * pings, config saves) are not honeypot interactions: they get event.dataset
 * `opencanary.system` (event.module stays `opencanary`) and no kyoka.honeypot.service, so
 * everything that selects interactions by `event.dataset:opencanary` (the console's Honeypot
 * page, Sigma `product: opencanary`, the built-in rules) leaves them out by construction.
 *
 * `message` is a short summary per logtype (opencanary-message.ts), never the raw line.
 * Credentials: USERNAME/PASSWORD (most services), UserName/Password (MSSQL), VNC's matched
 * password, Redis `AUTH [user] pass` and `HELLO n AUTH user pass`, MongoDB's auth_attempt user
 * name and the SNMP community string, all in kyoka.credentials.{username,password}.
 */
import type { EventInput } from '../event/types.ts';
import { type LogtypeInfo, OPENCANARY_LOGTYPES } from './opencanary-logtypes.ts';
import { opencanaryMessage, VNC_NOT_FOUND } from './opencanary-message.ts';
import type { ParseContext, Parser } from './types.ts';
import {
  badEvent,
  child,
  isPlainObject,
  jsonObjectParser,
  normalizeIp,
  type Obj,
  receivedIso,
  setEndpoint,
  toInt,
  toIsoTime,
  toPort,
} from './util.ts';

export { type LogtypeInfo, OPENCANARY_LOGTYPES } from './opencanary-logtypes.ts';

const HTTP_METHOD: Record<number, string> = { 3000: 'GET', 3001: 'POST', 3003: 'GET' };
/** The marker the Redis honeypot appends to ARGS cut at redis.max_arg_length. */
const REDIS_CUT_RE = /\(and \d+ more bytes\)$/;
const HELLO_AUTH_RE = /(?:^|\s)AUTH\s+(\S+)\s+(\S+)/i;
const MONGO_ACTION_RE = /^mongodb\.[a-z_]{1,32}$/;

function str(v: unknown, max = 4096): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
}

/** The logtype as an integer, or undefined. */
export function opencanaryLogtype(obj: Obj): number | undefined {
  return toInt(obj.logtype);
}

function unknownInfo(logtype: number): LogtypeInfo {
  return { action: `opencanary.${logtype}`, service: 'unknown', category: ['intrusion_detection'], type: ['info'] };
}

interface Captured {
  username?: string;
  password?: string;
  truncated?: boolean;
}

/** Redis `AUTH pass`, `AUTH user pass` (Redis 6 ACL) and `HELLO 3 AUTH user pass` from 17001's CMD/ARGS. */
export function redisCredentials(cmd: unknown, args: unknown): Captured | undefined {
  if (typeof cmd !== 'string' || typeof args !== 'string') return undefined;
  const c = cmd.toUpperCase();
  if (c !== 'AUTH' && c !== 'HELLO') return undefined;
  let a = args;
  const out: Captured = {};
  if (REDIS_CUT_RE.test(a)) {
    a = a.replace(REDIS_CUT_RE, '');
    out.truncated = true;
  }
  if (c === 'HELLO') {
    const m = HELLO_AUTH_RE.exec(a);
    if (!m) return undefined;
    out.username = m[1] as string;
    out.password = m[2] as string;
    return out;
  }
  if (a.length === 0) return undefined;
  const sp = a.indexOf(' ');
  if (sp === -1) out.password = a;
  else {
    out.username = a.slice(0, sp);
    out.password = a.slice(sp + 1);
  }
  return out;
}

/** Credentials some logtypes carry outside USERNAME/PASSWORD (see the header). */
function extraCredentials(logtype: number, logdata: Obj): Captured | undefined {
  if (logtype === 17001) return redisCredentials(logdata.CMD, logdata.ARGS);
  if (logtype === 20001 && logdata.action === 'mongodb.auth_attempt') {
    const u = str(logdata.username, 1024);
    return u === undefined || u === 'unknown' ? {} : { username: u };
  }
  if (logtype === 13001) {
    const c = typeof logdata.COMMUNITY_STRING === 'string' ? logdata.COMMUNITY_STRING : undefined;
    return c === undefined || c.length > 1024 ? undefined : { password: c };
  }
  return undefined;
}

/** Maps one parsed OpenCanary record. `original` is the raw text the record came from. */
export function opencanaryToEvent(obj: Obj, original: string, ctx: ParseContext): EventInput {
  const logtype = opencanaryLogtype(obj);
  if (logtype === undefined) throw badEvent('opencanary: missing or invalid logtype');
  const info = OPENCANARY_LOGTYPES[logtype] ?? unknownInfo(logtype);
  const logdata: Obj = isPlainObject(obj.logdata) ? obj.logdata : {};
  const nodeId = str(obj.node_id, 255);

  const ts = toIsoTime(obj.utc_time) ?? toIsoTime(obj.local_time) ?? receivedIso(ctx.receivedAt);
  const system = info.service === 'opencanary';
  const event: Obj = {
    kind: 'event',
    category: info.category.slice(),
    type: info.type.slice(),
    action: info.action,
    dataset: system ? 'opencanary.system' : 'opencanary',
    module: 'opencanary',
    original,
  };
  const opencanary: Obj = { logtype, logdata };
  if (nodeId !== undefined) opencanary.node_id = nodeId;
  const kyoka: Obj = system
    ? { source: ctx.sourceName, opencanary }
    : { source: ctx.sourceName, honeypot: { service: info.service }, opencanary };
  const ev: EventInput = { '@timestamp': ts, event: event as EventInput['event'], kyoka };
  if (nodeId !== undefined) ev.observer = { name: nodeId, type: 'honeypot' };

  setEndpoint(ev, 'source', obj.src_host, obj.src_port);
  const dst = normalizeIp(obj.dst_host);
  // 0.0.0.0 / :: is the UDP services' bind address, not where the packet went.
  setEndpoint(ev, 'destination', dst === '0.0.0.0' || dst === '::' ? undefined : obj.dst_host, obj.dst_port);

  let transport: string | undefined = info.transport;
  if (info.service === 'portscan') {
    const proto = str(logdata.PROTO, 8);
    if (proto !== undefined) transport = proto.toLowerCase();
  }
  if (transport !== undefined || info.service !== 'opencanary') {
    const network = child(ev, 'network');
    if (transport !== undefined) network.transport = transport;
    if (info.service !== 'portscan' && info.service !== 'user' && info.service !== 'unknown') {
      network.protocol = info.service;
    }
  }

  // Credentials: USERNAME/PASSWORD everywhere, UserName/Password for MSSQL, VNC's matched
  // password, then the logtypes that carry them elsewhere (Redis AUTH, MongoDB, SNMP).
  let username = str(logdata.USERNAME, 1024) ?? str(logdata.UserName, 1024) ?? str(logdata.USER, 1024);
  let password = typeof logdata.PASSWORD === 'string' ? logdata.PASSWORD : undefined;
  if (password === undefined && typeof logdata.Password === 'string') password = logdata.Password;
  const vnc = logdata['VNC Password'];
  if (password === undefined && typeof vnc === 'string' && vnc !== VNC_NOT_FOUND) password = vnc;
  const extra = extraCredentials(logtype, logdata);
  if (extra !== undefined) {
    username ??= extra.username;
    password ??= extra.password;
  }
  if (username !== undefined || password !== undefined || typeof obj.honeycred === 'boolean') {
    const cred: Obj = {};
    if (username !== undefined) cred.username = username;
    if (password !== undefined) cred.password = password;
    if (extra?.truncated) cred.truncated = true;
    if (typeof obj.honeycred === 'boolean') cred.honeycred = obj.honeycred;
    kyoka.credentials = cred;
  }
  if (username !== undefined) ev.user = { name: username };
  if (extra !== undefined && !info.login) {
    // An authentication attempt on a service whose logtype is not a login one (Redis AUTH...).
    (event.category as string[]).unshift('authentication');
  }
  if (info.login || extra !== undefined) event.outcome = 'failure';

  if (info.service === 'http') {
    const method = HTTP_METHOD[logtype] ?? str(logdata.REQUEST_TYPE, 16);
    if (method !== undefined) ev.http = { request: { method } };
    const ua = str(logdata.USERAGENT);
    if (ua !== undefined) ev.user_agent = { original: ua };
    const path = str(logdata.PATH);
    const host = str(logdata.HOSTNAME, 255);
    if (path !== undefined || host !== undefined) {
      const url: Obj = {};
      if (host !== undefined) url.domain = host;
      if (path !== undefined) url.path = path;
      ev.url = url;
    }
  } else if (info.service === 'mongodb') {
    const a = logdata.action;
    if (typeof a === 'string' && MONGO_ACTION_RE.test(a)) event.action = a;
  } else if (logtype === 10001 || logtype === 5000) {
    const f = str(logdata.FILENAME);
    if (f !== undefined) ev.file = { path: f };
  }
  ev.message = opencanaryMessage(logtype, info, logdata, toPort(obj.dst_port));
  return ev;
}

export function createOpencanaryParser(): Parser {
  return jsonObjectParser('opencanary', opencanaryToEvent);
}
