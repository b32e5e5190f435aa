/**
 * OpenCanary JSON log lines → ECS. Timestamps: `utc_time` when present, else `local_time`
 * (which OpenCanary writes in UTC despite the name); `local_time_adjusted` is local time and
 * ignored. dst_port/src_port -1 and an empty dst_host mean absent. Portscan lines carry
 * ports as strings. Login attempts on a honeypot always fail: outcome 'failure'.
 */
import type { EventInput } from '../event/types.ts';
import { type LogtypeInfo, OPENCANARY_LOGTYPES } from './opencanary-logtypes.ts';
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
} from './util.ts';

export { type LogtypeInfo, OPENCANARY_LOGTYPES } from './opencanary-logtypes.ts';

const HTTP_METHOD: Record<number, string> = { 3000: 'GET', 3001: 'POST', 3003: 'GET' };
const VNC_NOT_FOUND = '<Password was not in the common list>';
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

/** Maps one parsed OpenCanary record. `original` is the raw text the record came from. */
export function opencanaryToEvent(obj: Obj, original: string, ctx: ParseContext): EventInput {
  const logtype = opencanaryLogtype(obj);
  if (logtype === undefined) throw badEvent('opencanary: missing or invalid logtype');
  const info = OPENCANARY_LOGTYPES[logtype] ?? unknownInfo(logtype);
  const logdata: Obj = isPlainObject(obj.logdata) ? obj.logdata : {};
  const nodeId = str(obj.node_id, 255);

  const ts = toIsoTime(obj.utc_time) ?? toIsoTime(obj.local_time) ?? receivedIso(ctx.receivedAt);
  const event: Obj = {
    kind: 'event',
    category: info.category.slice(),
    type: info.type.slice(),
    action: info.action,
    dataset: 'opencanary',
    module: 'opencanary',
    original,
  };
  const opencanary: Obj = { logtype, logdata };
  if (nodeId !== undefined) opencanary.node_id = nodeId;
  const kyoka: Obj = { source: ctx.sourceName, honeypot: { service: info.service }, opencanary };
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

  // Credentials: USERNAME/PASSWORD everywhere, UserName/Password for MSSQL, VNC's matched password.
  const username = str(logdata.USERNAME, 1024) ?? str(logdata.UserName, 1024) ?? str(logdata.USER, 1024);
  let password = typeof logdata.PASSWORD === 'string' ? logdata.PASSWORD : undefined;
  if (password === undefined && typeof logdata.Password === 'string') password = logdata.Password;
  const vnc = logdata['VNC Password'];
  if (password === undefined && typeof vnc === 'string' && vnc !== VNC_NOT_FOUND) password = vnc;
  if (username !== undefined || password !== undefined || typeof obj.honeycred === 'boolean') {
    const cred: Obj = {};
    if (username !== undefined) cred.username = username;
    if (password !== undefined) cred.password = password;
    if (typeof obj.honeycred === 'boolean') cred.honeycred = obj.honeycred;
    kyoka.credentials = cred;
  }
  if (username !== undefined) ev.user = { name: username };
  if (info.login) event.outcome = 'failure';

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
  } else if (logtype === 17001) {
    const cmd = str(logdata.CMD, 256);
    if (cmd !== undefined)
      ev.message = typeof logdata.ARGS === 'string' && logdata.ARGS ? `${cmd} ${logdata.ARGS}` : cmd;
  } else if (logtype === 1001) {
    // Startup/info messages: {"msg": {"logdata": "..."}} or {"msg": "..."}.
    const msg = logdata.msg;
    const text = isPlainObject(msg) ? str(msg.logdata) : str(msg);
    if (text !== undefined) ev.message = text;
  }
  return ev;
}

export function createOpencanaryParser(): Parser {
  return jsonObjectParser('opencanary', opencanaryToEvent);
}
