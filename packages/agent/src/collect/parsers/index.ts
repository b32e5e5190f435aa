/**
 * Line parsers for the file and journald collectors, one per `format`. vsftpd, rsyncd and sshd
 * reuse @kyoka/core's program parsers, so agent events carry exactly the actions, outcomes,
 * user.name and source.ip that syslog-ingested lines get and the built-in rules see them alike.
 * MySQL, MongoDB and Redis MONITOR lines have their own parsers here (no core parser reads
 * those daemons' own logs yet). A parser returns undefined for lines that carry no event
 * (headers) and throws KyokaError BAD_EVENT for input it cannot use at all.
 */
import {
  type EventInput,
  jsonToEvent,
  type ParseContext,
  parseProgramLine,
  sshdParser,
  syslogToEvent,
} from '@kyoka/core';
import { baseEvent, child } from '@kyoka/core/parsers/util';
import { mongodbLineToEvent } from './mongodb.ts';
import { createMysqlParser } from './mysql.ts';

export { mongodbLineToEvent } from './mongodb.ts';
export { createMysqlParser, type MysqlParser } from './mysql.ts';
export { type MonitorLine, monitorToEvent, parseMonitorLine, splitClient } from './redis-monitor.ts';

export type LineFormat = 'vsftpd' | 'rsyncd' | 'mysql-general' | 'sshd' | 'mongodb' | 'syslog' | 'json';
export type LineParser = (line: string, ctx: ParseContext) => EventInput | undefined;

/** A bare sshd message (sshd -E file, journald MESSAGE): the sshd program parser, else a plain message. */
export function sshdMessageToEvent(msg: string, ctx: ParseContext, module = 'logfile'): EventInput {
  const ev = baseEvent(msg, ctx, 'sshd', module);
  if (!sshdParser.apply(msg, ev)) {
    child(ev, 'event').action = 'sshd.message';
    ev.message = msg;
  }
  return ev;
}

function syslogLine(line: string, ctx: ParseContext): EventInput {
  return syslogToEvent(line, ctx);
}

/** auth.log lines carry a syslog header; `sshd -E` files do not: try both. */
function sshdLine(line: string, ctx: ParseContext): EventInput {
  let ev: EventInput | undefined;
  try {
    ev = syslogToEvent(line, ctx);
  } catch {
    ev = undefined;
  }
  const sys = ev?.log?.syslog as { appname?: unknown } | undefined;
  if (ev !== undefined && sys?.appname !== undefined) return ev;
  return sshdMessageToEvent(line, ctx);
}

function jsonLine(line: string, ctx: ParseContext): EventInput {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    obj = undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    const ev = baseEvent(line, ctx, 'json', 'logfile');
    child(ev, 'event').action = 'json.invalid';
    ev.message = line;
    return ev;
  }
  return jsonToEvent(obj as Record<string, unknown>, line, ctx);
}

/** A fresh parser for one collector (some keep per-connection state). */
export function createLineParser(format: LineFormat): LineParser {
  switch (format) {
    case 'vsftpd':
      return (line, ctx) => parseProgramLine('vsftpd', line, ctx);
    case 'rsyncd':
      return (line, ctx) => parseProgramLine('rsyncd', line, ctx);
    case 'sshd':
      return sshdLine;
    case 'syslog':
      return syslogLine;
    case 'json':
      return jsonLine;
    case 'mongodb':
      return mongodbLineToEvent;
    case 'mysql-general': {
      const p = createMysqlParser();
      return (line, ctx) => p.parse(line, ctx);
    }
  }
}
