/**
 * The sensor's logger: ServiceContext.log lands here. Ignore lists first, then the record is
 * completed (OpenCanary's sanitizeLog), formatted once, written synchronously to the file and
 * console handlers (at once, or with the group commit of commit.ts) and queued for every network
 * handler. Handlers come from OpenCanary's `logger.kwargs.handlers` section; Kyoka's spool
 * handler is added when a server is configured.
 */
import { KyokaError } from '@kyoka/core';
import type { ConnMeta, LogOptions, SensorConf } from '../service/types.ts';
import type { CommitGroup } from './commit.ts';
import { lineToEvents, sinkHandler } from './events.ts';
import { createFilter } from './filters.ts';
import { buildRecord, recordJson } from './format.ts';
import { makeFormatter } from './handlers/format-string.ts';
import { slackHandler, teamsHandler, webhookHandler } from './handlers/http.ts';
import { fileHandler, streamHandler } from './handlers/local.ts';
import { socketJsonHandler, syslogHandler } from './handlers/net.ts';
import { smtpHandler } from './handlers/smtp.ts';
import type { HandlerConfig, HandlerEnv, LogHandler } from './handlers/types.ts';
import type { QueueStats } from './queue.ts';

export { lineToEvents };

export interface LoggerOptions {
  conf: SensorConf;
  nodeId: string;
  env: HandlerEnv;
  /** Adds a console handler when the config has none (`kyoka sensor --dev`, like opencanaryd --dev). */
  dev?: boolean;
  /** Extra handlers (Kyoka spool, in-process sink). */
  extra?: LogHandler[];
  /** Lets records logged while a raw connection is handled share one write (commit.ts). */
  commit?: CommitGroup;
}

export interface SensorLogger {
  log(conn: ConnMeta | null, logtype: number, logdata: Record<string, unknown>, opts?: LogOptions): void;
  /** OpenCanary's logMsg: 1001 {"msg": {"logdata": text}} (startup records). */
  msg(text: string): void;
  /** Records written (after the ignore lists). */
  readonly total: number;
  handlerStats(): Record<string, QueueStats>;
  close(): Promise<void>;
}

type Factory = (name: string, c: HandlerConfig, fmt: ReturnType<typeof makeFormatter>, env: HandlerEnv) => LogHandler;

const FACTORIES: Record<string, Factory> = {
  'logging.StreamHandler': streamHandler,
  'logging.FileHandler': (n, c, f, e) => fileHandler(n, c, f, e, false),
  'logging.handlers.RotatingFileHandler': (n, c, f, e) => fileHandler(n, c, f, e, true),
  'logging.handlers.TimedRotatingFileHandler': (n, c, f, e) => fileHandler(n, c, f, e, true),
  'logging.handlers.WatchedFileHandler': (n, c, f, e) => fileHandler(n, c, f, e, true),
  'logging.handlers.SysLogHandler': syslogHandler,
  'logging.handlers.SMTPHandler': smtpHandler,
  'opencanary.logger.SocketJSONHandler': socketJsonHandler,
  'opencanary.logger.WebhookHandler': webhookHandler,
  'opencanary.logger.SlackHandler': slackHandler,
  'opencanary.logger.TeamsHandler': teamsHandler,
};

/** Builds the handlers of the `logger` section; errors name the handler's key. */
export function buildHandlers(conf: SensorConf, nodeId: string, env: HandlerEnv, dev = false): LogHandler[] {
  const logger = conf.get<Record<string, unknown> | undefined>('logger', undefined);
  const kwargs = (logger?.kwargs ?? {}) as Record<string, unknown>;
  const handlers = (kwargs.handlers ?? {}) as Record<string, HandlerConfig>;
  const formatters = (kwargs.formatters ?? {}) as Record<string, { format?: string }>;
  const out: LogHandler[] = [];
  let console = false;
  for (const [name, c] of Object.entries(handlers)) {
    const cls = String(c.class);
    const f = FACTORIES[cls];
    if (!f) continue; // kyoka.SpoolHandler is built by the runtime (needs the key)
    const fmtName = typeof c.formatter === 'string' ? c.formatter : '';
    const fmt = makeFormatter(formatters[fmtName]?.format, nodeId);
    try {
      out.push(f(name, c, fmt, env));
    } catch (err) {
      for (const h of out) void h.close();
      if (err instanceof KyokaError) throw err;
      throw new KyokaError(
        'KYOKA_E_BAD_CONFIG',
        `config key "logger.kwargs.handlers.${name}": cannot start ${cls}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (cls === 'logging.StreamHandler') console = true;
  }
  if (dev && !console) out.push(streamHandler('console', {}, (l) => l));
  return out;
}

export function createLogger(o: LoggerOptions): SensorLogger {
  const filter = createFilter(o.conf.get('ip.ignorelist', []), o.conf.get('logtype.ignorelist', []));
  const own = buildHandlers(o.conf, o.nodeId, o.env, o.dev);
  const handlers = [...own, ...(o.extra ?? [])];
  const buffered = handlers.filter((h) => h.flush);
  // a failing handler costs its own record, never the caller or the other handlers
  const failed = (h: LogHandler, err: unknown) => {
    o.env.count(`handler_error`);
    o.env.debug(`log handler ${h.name}: ${(err as Error).message}`);
  };
  const flush = () => {
    for (const h of buffered) {
      try {
        h.flush?.();
      } catch (err) {
        failed(h, err);
      }
    }
  };
  if (buffered.length) o.commit?.addSink(flush);
  let total = 0;
  const log: SensorLogger['log'] = (conn, logtype, logdata, opts) => {
    if (filter.ignored(conn?.src_host ?? '', logtype)) return;
    const rec = buildRecord(o.nodeId, conn, logtype, logdata, opts);
    const line = recordJson(rec);
    total++;
    for (const h of handlers) {
      try {
        h.handle(line, rec);
      } catch (err) {
        failed(h, err);
      }
    }
    // written before the caller's reply can go out: now, or held with the reply until the group's write
    if (buffered.length && !o.commit?.defer()) flush();
  };
  return {
    log,
    msg: (text) => log(null, 1001, { msg: { logdata: text } }),
    get total() {
      return total;
    },
    handlerStats() {
      const s: Record<string, QueueStats> = {};
      for (const h of handlers) if (h.stats) s[h.name] = h.stats();
      return s;
    },
    /** Closes the handlers built from the config; `extra` ones belong to the caller. */
    async close() {
      flush();
      o.commit?.removeSink(flush);
      await Promise.all(own.map((h) => h.close().catch(() => {})));
    },
  };
}

export { sinkHandler };
