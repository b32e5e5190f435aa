/**
 * MongoDB 4.4+ structured (JSON) log lines, one object per line:
 *   {"t":{"$date":"2026-11-21T10:00:01.123+00:00"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener",
 *    "msg":"Connection accepted","attr":{"remote":"10.0.0.2:51234","connectionId":5,"connectionCount":1}}
 *   4.4:  "msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","principalName":"admin",
 *         "authenticationDatabase":"admin","remote":"10.0.0.2:51234","error":"AuthenticationFailed: ..."}
 *   5.0+: "id":5286307,"msg":"Failed to authenticate","attr":{"client":"10.0.0.2:51234","mechanism":...,
 *         "user":"admin","db":"admin","error":"AuthenticationFailed: ...","result":18}
 *   success: "Authentication succeeded" (4.4) / "Successfully authenticated" (5.0+).
 * Failed logins are `mongodb.auth_attempt` with outcome failure, the action the MongoDB honeypot
 * uses, so one rule counts both. Other lines keep their msg as message (`mongodb.message`).
 */
import type { EventInput, ParseContext } from '@kyoka/core';
import { classify, kyokaSection, setUser } from '@kyoka/core/parsers/programs/common';
import { baseEvent, child, isPlainObject, type Obj, setEndpoint, toIsoTime } from '@kyoka/core/parsers/util';

const MAX_LINE = 64 * 1024;
const SEVERITY: Record<string, string> = { F: 'fatal', E: 'error', W: 'warning', I: 'info', D: 'debug' };

function str(v: unknown, max = 1024): string | undefined {
  return typeof v === 'string' && v.length > 0 ? (v.length > max ? v.slice(0, max) : v) : undefined;
}

/** "10.0.0.2:51234" / "[::1]:51234" / "::1:51234" → ip, port. */
function setRemote(ev: EventInput, remote: unknown): void {
  const r = str(remote, 128);
  if (r === undefined) return;
  const i = r.lastIndexOf(':');
  if (i <= 0) setEndpoint(ev, 'source', r, undefined);
  else setEndpoint(ev, 'source', r.slice(0, i), r.slice(i + 1));
}

function auth(ev: EventInput, attr: Obj, ok: boolean): void {
  classify(
    ev,
    ok ? 'mongodb.auth_success' : 'mongodb.auth_attempt',
    ['authentication'],
    ok ? ['start'] : ['info'],
    ok ? 'success' : 'failure',
  );
  setUser(ev, str(attr.user ?? attr.principalName, 512));
  setRemote(ev, attr.client ?? attr.remote);
  const m = kyokaSection(ev, 'mongodb');
  const db = str(attr.db ?? attr.authenticationDatabase, 256);
  if (db !== undefined) m.database = db;
  const mech = str(attr.mechanism, 64);
  if (mech !== undefined) m.mechanism = mech;
  const err = str(attr.error);
  if (err !== undefined) m.error = err;
}

export function mongodbLineToEvent(line: string, ctx: ParseContext): EventInput {
  const ev = baseEvent(line, ctx, 'mongodb', 'logfile');
  let obj: unknown;
  try {
    obj = line.length <= MAX_LINE && line.charCodeAt(0) === 123 ? JSON.parse(line) : undefined;
  } catch {
    obj = undefined;
  }
  if (!isPlainObject(obj)) {
    child(ev, 'event').action = 'mongodb.message';
    ev.message = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
    return ev;
  }
  const t = isPlainObject(obj.t) ? toIsoTime(obj.t.$date) : undefined;
  if (t !== undefined) ev['@timestamp'] = t;
  const attr: Obj = isPlainObject(obj.attr) ? obj.attr : {};
  const msg = str(obj.msg, 4096) ?? '';
  const m = kyokaSection(ev, 'mongodb');
  if (typeof obj.id === 'number') m.id = obj.id;
  const component = str(obj.c, 32);
  if (component !== undefined) m.component = component;
  const context = str(obj.ctx, 64);
  if (context !== undefined) m.ctx = context;
  const sev = SEVERITY[str(obj.s, 2)?.charAt(0) ?? ''];
  if (sev !== undefined) child(ev, 'log').level = sev;
  if (typeof attr.connectionId === 'number') m.connection_id = attr.connectionId;
  ev.message = msg;
  switch (msg) {
    case 'Connection accepted':
      classify(ev, 'mongodb.connection', ['network', 'database'], ['connection', 'start']);
      setRemote(ev, attr.remote);
      break;
    case 'Connection ended':
      classify(ev, 'mongodb.disconnect', ['network', 'database'], ['connection', 'end']);
      setRemote(ev, attr.remote);
      break;
    case 'Authentication failed':
    case 'Failed to authenticate':
      auth(ev, attr, false);
      break;
    case 'Authentication succeeded':
    case 'Successfully authenticated':
      auth(ev, attr, true);
      break;
    case 'client metadata': {
      classify(ev, 'mongodb.client_metadata', ['network', 'database'], ['info']);
      setRemote(ev, attr.remote);
      const doc = isPlainObject(attr.doc) ? attr.doc : {};
      const drv = isPlainObject(doc.driver) ? doc.driver : {};
      const app = isPlainObject(doc.application) ? doc.application : {};
      const name = str(drv.name, 128);
      if (name !== undefined) m.driver = `${name} ${str(drv.version, 64) ?? ''}`.trim();
      const appName = str(app.name, 128);
      if (appName !== undefined) m.application = appName;
      break;
    }
    default:
      classify(ev, 'mongodb.message', ['database'], [sev === 'error' || sev === 'fatal' ? 'error' : 'info']);
      setRemote(ev, attr.remote ?? attr.client);
  }
  return ev;
}
