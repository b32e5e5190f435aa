/**
 * MySQL / MariaDB log lines: the general query log and the error log, in one parser (an
 * operator may point the collector at either). Formats as MariaDB 10.11 (Debian 12) and
 * MySQL 8 write them:
 *   general (MariaDB): "261122  3:09:35\t     4 Connect\tbob@127.0.0.1 on  using TCP/IP"
 *                      "\t\t     4 Connect\tAccess denied for user 'bob'@'127.0.0.1' (using password: YES)"
 *                      "\t\t     5 Query\tSELECT 1" / "\t\t     5 Init DB\tAccess denied for user ... to database 'mysql'"
 *   general (MySQL 8): "2026-11-22T03:09:35.123456Z\t    8 Connect\tbob@127.0.0.1 on  using TCP/IP"
 *   error (MariaDB):   "2026-11-22  3:09:35 4 [Warning] Access denied for user 'bob'@'127.0.0.1' (using password: YES)"
 *   error (MySQL 8):   "2026-11-22T03:09:35.123456Z 8 [Note] [MY-010926] [Server] Access denied for user ..."
 * A Connect line is written before authentication (MariaDB logs it for failed logins too), so
 * it is a connection, not a success; "Access denied ... (using password: ...)" is the failed
 * login, named `mysql.login_attempt` with outcome failure as the MySQL honeypot names it (so the
 * MySQL brute-force rule counts both). Thread ids map to the connection's user and host
 * (bounded map) so Query lines carry source.ip. Header lines give no event.
 * Caveat: a query containing a newline continues on the next line unprefixed; such lines are
 * `mysql.message` events and never login events, but a crafted query can still imitate a
 * whole prefixed record (log injection by an authenticated user).
 */
import type { EventInput, ParseContext } from '@kyoka/core';
import { classify, kyokaSection, setUser } from '@kyoka/core/parsers/programs/common';
import { baseEvent, child, setEndpoint } from '@kyoka/core/parsers/util';

const MAX_LINE = 16 * 1024;
const MAX_THREADS = 4096;

const GENERAL_RE =
  /^(?:(\d{2})(\d{2})(\d{2}) {1,2}(\d{1,2}):(\d{2}):(\d{2})|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})?))?\t{1,2} *(\d{1,20}) ([A-Z][A-Za-z]{0,20}(?: [A-Za-z]{1,20})?)\t(.*)$/s;
const ERROR_RE =
  /^(\d{4}-\d{2}-\d{2})(?:T| {1,2})(\d{1,2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})? +(\d{1,20}) \[(\w{1,16})\](?: \[[\w-]{1,32}\])?(?: \[\w{1,16}\])? (.*)$/s;
const DENIED_RE = /^Access denied for user '(.{0,512}?)'@'([^'\s]{0,255})' \(using password: (YES|NO)\)$/s;
const DENIED_DB_RE = /^Access denied for user '(.{0,512}?)'@'([^'\s]{0,255})' to database '(.{0,256})'$/s;
const CONNECT_RE = /^(.{0,512}?)@(\S{0,255}) (?:as (\S{1,256}) )?on (\S{0,256}) ?(?:using (\S{1,32}))?$/s;
const HEADER_RE = /^(?:Time\t|Tcp port: |\S{1,64}, Version: |Version: ')/;

interface Conn {
  user: string;
  host: string;
}

export interface MysqlParser {
  parse(line: string, ctx: ParseContext): EventInput | undefined;
}

function setHost(ev: EventInput, host: string): void {
  if (host === '' || host === 'localhost') {
    if (host === 'localhost') child(ev, 'source').address = host;
    return;
  }
  setEndpoint(ev, 'source', host, undefined);
  const src = child(ev, 'source');
  if (src.ip === undefined && src.address === undefined) src.address = host;
}

function isoGeneral(m: RegExpExecArray): string | undefined {
  if (m[7] !== undefined) {
    const t = Date.parse(/(?:Z|[+-]\d{2}:\d{2})$/.test(m[7]) ? m[7] : `${m[7]}Z`);
    return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
  }
  if (m[1] === undefined) return undefined;
  const t = Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined; // server local time, taken as UTC
}

function isoError(m: RegExpExecArray): string | undefined {
  const hh = (m[2] as string).padStart(2, '0');
  const t = Date.parse(`${m[1]}T${hh}:${m[3]}:${m[4]}${m[5] ?? ''}${m[6] ?? 'Z'}`);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function denied(ev: EventInput, msg: string): boolean {
  let m = DENIED_RE.exec(msg);
  if (m) {
    classify(ev, 'mysql.login_attempt', ['authentication'], ['info'], 'failure');
    setUser(ev, m[1]);
    setHost(ev, m[2] as string);
    kyokaSection(ev, 'mysql').using_password = m[3] === 'YES';
    return true;
  }
  m = DENIED_DB_RE.exec(msg);
  if (m) {
    classify(ev, 'mysql.access_denied', ['database'], ['denied'], 'failure');
    setUser(ev, m[1]);
    setHost(ev, m[2] as string);
    kyokaSection(ev, 'mysql').database = m[3];
    return true;
  }
  return false;
}

/** One parser per collector: it remembers which thread id belongs to which client. */
export function createMysqlParser(): MysqlParser {
  const threads = new Map<string, Conn>();

  function remember(id: string, c: Conn): void {
    threads.delete(id);
    threads.set(id, c);
    if (threads.size > MAX_THREADS) threads.delete(threads.keys().next().value as string);
  }

  function general(m: RegExpExecArray, ev: EventInput): void {
    const id = m[8] as string;
    const cmd = m[9] as string;
    const arg = m[10] as string;
    const ts = isoGeneral(m);
    if (ts !== undefined) ev['@timestamp'] = ts;
    const mysql = kyokaSection(ev, 'mysql');
    mysql.thread_id = Number(id);
    mysql.command = cmd;
    if (denied(ev, arg)) {
      if (cmd === 'Connect') threads.delete(id);
      return;
    }
    const known = threads.get(id);
    if (cmd === 'Connect') {
      const c = CONNECT_RE.exec(arg);
      classify(ev, 'mysql.connection', ['network', 'database'], ['connection', 'start']);
      if (c) {
        setUser(ev, c[1]);
        setHost(ev, c[2] as string);
        if (c[4]) mysql.database = c[4];
        if (c[5]) mysql.transport = c[5];
        remember(id, { user: c[1] as string, host: c[2] as string });
      }
      return;
    }
    if (known !== undefined) {
      setUser(ev, known.user);
      setHost(ev, known.host);
    }
    if (cmd === 'Quit') {
      threads.delete(id);
      classify(ev, 'mysql.disconnect', ['network', 'database'], ['connection', 'end']);
      return;
    }
    if (cmd === 'Query' || cmd === 'Execute' || cmd === 'Prepare') {
      classify(ev, cmd === 'Query' ? 'mysql.query' : `mysql.${cmd.toLowerCase()}`, ['database'], ['access']);
      mysql.query = arg.length > 4096 ? arg.slice(0, 4096) : arg;
      return;
    }
    classify(ev, `mysql.${cmd.toLowerCase().replace(' ', '_')}`, ['database'], ['info']);
    if (arg.length > 0) mysql.argument = arg.length > 1024 ? arg.slice(0, 1024) : arg;
  }

  return {
    parse(line: string, ctx: ParseContext): EventInput | undefined {
      if (line.length === 0 || HEADER_RE.test(line)) return undefined;
      const ev = baseEvent(line, ctx, 'mysql', 'logfile');
      if (line.length <= MAX_LINE) {
        const g = GENERAL_RE.exec(line);
        if (g) {
          general(g, ev);
          return ev;
        }
        const e = ERROR_RE.exec(line);
        if (e) {
          const ts = isoError(e);
          if (ts !== undefined) ev['@timestamp'] = ts;
          const level = (e[8] as string).toLowerCase();
          child(ev, 'log').level = level;
          const msg = e[9] as string;
          if (!denied(ev, msg)) {
            classify(ev, 'mysql.message', ['database'], [level === 'error' ? 'error' : 'info']);
            ev.message = msg;
          }
          if (e[7] !== '0') kyokaSection(ev, 'mysql').thread_id = Number(e[7]);
          return ev;
        }
      }
      child(ev, 'event').action = 'mysql.message';
      ev.message = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
      return ev;
    },
  };
}
