/**
 * Syslog log source: RFC 5424 / 3164 via ../syslog/parse.ts, then
 *   - a JSON object payload (the whole MSG, or its tail as in OpenCanary's
 *     "opencanaryd[PID]: opencanary-1 WARNING {...}") → the OpenCanary parser when it has a
 *     `logtype`, else merged as generic JSON;
 *   - otherwise the program parser for the APP-NAME (sshd, sudo, su, vsftpd, rsyncd).
 */
import type { EventInput } from '../event/types.ts';
import { parseSyslog, type SyslogMessage } from '../syslog/parse.ts';
import { jsonToEvent } from './json.ts';
import { opencanaryToEvent } from './opencanary.ts';
import { programParser } from './programs/index.ts';
import type { ParseContext, Parser } from './types.ts';
import { badEvent, baseEvent, child, isPlainObject, MAX_INPUT, normalizeIp, type Obj, toInt } from './util.ts';

/** How many '{' positions to try when looking for a JSON tail (bounds work on junk). */
const MAX_JSON_TRIES = 3;

/** Finds a JSON object at the end of `msg` ("prefix {...}"); undefined when there is none. */
export function jsonTail(msg: string): Obj | undefined {
  let end = msg.length;
  while (end > 0 && msg.charCodeAt(end - 1) <= 32) end--;
  if (end === 0 || msg.charCodeAt(end - 1) !== 125 /* } */) return undefined;
  let from = 0;
  for (let tries = 0; tries < MAX_JSON_TRIES; tries++) {
    const start = msg.indexOf('{', from);
    if (start === -1 || start >= end) return undefined;
    try {
      const v: unknown = JSON.parse(start === 0 && end === msg.length ? msg : msg.slice(start, end));
      return isPlainObject(v) ? v : undefined;
    } catch {
      from = start + 1;
    }
  }
  return undefined;
}

function syslogFields(ev: EventInput, m: SyslogMessage, ctx: ParseContext): void {
  const sys: Obj = {
    facility: { code: m.facility, name: m.facilityName },
    severity: { code: m.severity, name: m.severityName },
    priority: m.priority,
  };
  if (m.hostname !== undefined) sys.hostname = m.hostname;
  if (m.appName !== undefined) sys.appname = m.appName;
  if (m.procId !== undefined) sys.procid = m.procId;
  if (m.msgId !== undefined) sys.msgid = m.msgId;
  if (m.structuredData !== undefined) sys.structured_data = m.structuredData;
  sys.version = m.format === '5424' ? 1 : 0;
  child(ev, 'log').syslog = sys;
  const event = child(ev, 'event');
  event.severity = m.severity;
  if (m.hostname !== undefined) child(ev, 'host').hostname = m.hostname;
  if (m.appName !== undefined) {
    const proc = child(ev, 'process');
    proc.name = m.appName;
    const pid = toInt(m.procId);
    if (pid !== undefined) proc.pid = pid;
  }
  const peer = normalizeIp(ctx.peerIp);
  if (peer !== undefined) child(ev, 'observer').ip = peer;
  if (ctx.transport !== undefined && ctx.transport !== 'http') {
    const net = child(ev, 'network');
    if (net.transport === undefined) net.transport = ctx.transport === 'udp' ? 'udp' : 'tcp';
  }
}

/** Parses one syslog message (text or raw datagram) into one event. */
export function syslogToEvent(input: string | Buffer, ctx: ParseContext): EventInput {
  if (input.length > MAX_INPUT) throw badEvent(`syslog: message larger than ${MAX_INPUT} bytes`);
  const m = parseSyslog(input, { receivedAt: ctx.receivedAt });
  const original = typeof input === 'string' ? input : input.toString('utf8');
  if (m.malformed) throw badEvent('syslog: not a syslog message (empty or binary)');
  // rsyslog keeps the space after "tag:" when it re-emits RFC 3164 input as RFC 5424.
  if (m.message.charCodeAt(0) === 32) m.message = m.message.trimStart();
  const ts =
    m.timestamp !== undefined && Number.isFinite(m.timestamp.getTime()) ? m.timestamp.toISOString() : undefined;

  let ev: EventInput | undefined;
  const obj = jsonTail(m.message);
  if (obj !== undefined) {
    if (toInt(obj.logtype) !== undefined) {
      ev = opencanaryToEvent(obj, original, ctx);
      // OpenCanary's own timestamp is the event time; syslog only adds transport metadata.
    } else {
      ev = jsonToEvent(obj, original, ctx, { dataset: 'syslog', module: 'syslog' });
      if (
        ts !== undefined &&
        obj['@timestamp'] === undefined &&
        obj.timestamp === undefined &&
        obj.time === undefined
      ) {
        ev['@timestamp'] = ts;
      }
    }
  } else {
    ev = baseEvent(original, ctx, 'syslog', 'syslog');
    const p = programParser(m.appName);
    if (p?.apply(m.message, ev)) {
      child(ev, 'event').dataset = p.name;
    } else {
      child(ev, 'event').action = 'syslog.message';
    }
    // The syslog header time wins over a time found inside the message (often local time).
    if (ts !== undefined) ev['@timestamp'] = ts;
  }
  // A JSON payload is fully kept in event.original; copying it into message too would double its size.
  if (ev.message === undefined && obj === undefined) ev.message = m.message;
  syslogFields(ev, m, ctx);
  return ev;
}

export function createSyslogParser(): Parser {
  return {
    type: 'syslog',
    parse(input: string | Record<string, unknown>, ctx: ParseContext): EventInput[] {
      if (typeof input === 'string' || Buffer.isBuffer(input)) return [syslogToEvent(input as string | Buffer, ctx)];
      // A syslog line wrapped in JSON (e.g. posted over HTTP): {"message": "<13>..."}.
      if (isPlainObject(input) && typeof input.message === 'string') return [syslogToEvent(input.message, ctx)];
      throw badEvent('syslog: expected a syslog message string');
    },
  };
}
