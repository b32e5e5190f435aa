/**
 * Redis MONITOR lines (Redis 6/7), as the server streams them after `MONITOR`:
 *   +1732180000.123456 [0 10.0.0.2:51234] "CONFIG" "SET" "dir" "/tmp"
 *   1732180000.123456 [0 [::1]:51234] "set" "k" "a\"b\nc\\d \x01\xc3\xa9"
 *   1732180000.123456 [0 lua] "set" "x" "1"          (commands run by scripts)
 *   1732180000.123456 [0 unix:/run/redis.sock] "get" "k"
 * Arguments are quoted with sdscatrepr escapes (\\ \" \n \r \t \a \b \xHH); bytes are decoded
 * as UTF-8. AUTH arguments arrive as "(redacted)"; failed AUTH is indistinguishable from a good one.
 * The event matches the Redis honeypot's: action `redis.command`, message "CMD ARGS" (what the
 * Redis abuse rule matches), plus kyoka.redis.{command,args,db,client}.
 */
import type { EventInput, ParseContext } from '@kyoka/core';
import { classify, kyokaSection } from '@kyoka/core/parsers/programs/common';
import { baseEvent, child, setEndpoint } from '@kyoka/core/parsers/util';

const HEAD_RE = /^\+?(\d{1,12})\.(\d{1,6}) \[(\d{1,5}) (\[[0-9A-Fa-f:.%\w]{1,64}\]:\d{1,5}|[^\s\]]{1,300})\] /;
const MAX_ARGS = 32;
const MAX_ARG_CHARS = 512;
const MAX_MESSAGE = 4096;

export interface MonitorLine {
  time: number;
  db: number;
  client: string;
  args: string[];
  /** The argument list was cut (too many or too long). */
  truncated: boolean;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes the quoted arguments starting at `from`; stops at the first malformed one. */
function parseArgs(s: string, from: number, out: MonitorLine): void {
  let i = from;
  const bytes: number[] = [];
  while (i < s.length && s.charCodeAt(i) === 34 /* " */) {
    i++;
    bytes.length = 0;
    let closed = false;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        closed = true;
        i++;
        break;
      }
      if (c === 92 /* \ */ && i + 1 < s.length) {
        const e = s[i + 1];
        i += 2;
        if (e === 'n') bytes.push(10);
        else if (e === 'r') bytes.push(13);
        else if (e === 't') bytes.push(9);
        else if (e === 'a') bytes.push(7);
        else if (e === 'b') bytes.push(8);
        else if (e === 'x' && i + 1 < s.length && hexVal(s.charCodeAt(i)) >= 0 && hexVal(s.charCodeAt(i + 1)) >= 0) {
          bytes.push(hexVal(s.charCodeAt(i)) * 16 + hexVal(s.charCodeAt(i + 1)));
          i += 2;
        } else bytes.push(...Buffer.from(e as string, 'utf8'));
        continue;
      }
      // Unescaped text is printable ASCII in Redis' output; keep anything else as UTF-8.
      if (c < 128) bytes.push(c);
      else bytes.push(...Buffer.from(s[i] as string, 'utf8'));
      i++;
    }
    if (out.args.length >= MAX_ARGS) {
      out.truncated = true;
    } else {
      let a = Buffer.from(bytes).toString('utf8');
      if (a.length > MAX_ARG_CHARS) {
        a = a.slice(0, MAX_ARG_CHARS);
        out.truncated = true;
      }
      out.args.push(a);
    }
    if (!closed) {
      out.truncated = true;
      return;
    }
    if (s.charCodeAt(i) === 32) i++;
  }
}

/** Parses one MONITOR line; undefined when it is not one (e.g. "+OK"). */
export function parseMonitorLine(line: string): MonitorLine | undefined {
  const m = HEAD_RE.exec(line);
  if (!m) return undefined;
  const out: MonitorLine = {
    time: Number(m[1]) * 1000 + Math.floor(Number((m[2] as string).padEnd(6, '0')) / 1000),
    db: Number(m[3]),
    client: m[4] as string,
    args: [],
    truncated: false,
  };
  parseArgs(line, m[0].length, out);
  return out.args.length > 0 ? out : undefined;
}

/** "10.0.0.2:51234" / "[::1]:51234" → [ip, port]; lua / unix:... → undefined. */
export function splitClient(client: string): [string, string] | undefined {
  const i = client.lastIndexOf(':');
  if (i <= 0 || client.startsWith('unix:')) return undefined;
  const host = client.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return [host, client.slice(i + 1)];
}

export function monitorToEvent(line: string, m: MonitorLine, ctx: ParseContext): EventInput {
  const ev = baseEvent(line, ctx, 'redis', 'redis-monitor');
  if (Number.isFinite(m.time) && m.time > 0) ev['@timestamp'] = new Date(m.time).toISOString();
  classify(ev, 'redis.command', ['database', 'network'], ['access']);
  const command = (m.args[0] as string).toUpperCase();
  const args = m.args.slice(1);
  let message = args.length > 0 ? `${command} ${args.join(' ')}` : command;
  if (message.length > MAX_MESSAGE) message = message.slice(0, MAX_MESSAGE);
  ev.message = message;
  const redis = kyokaSection(ev, 'redis');
  redis.command = command;
  redis.args = args;
  redis.db = m.db;
  if (m.truncated) redis.truncated = true;
  const peer = splitClient(m.client);
  const net = child(ev, 'network');
  if (peer !== undefined) {
    setEndpoint(ev, 'source', peer[0], peer[1]);
    net.transport = 'tcp';
  } else {
    redis.client = m.client.slice(0, 300);
  }
  net.protocol = 'redis';
  return ev;
}
