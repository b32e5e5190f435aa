/**
 * Admin commands that MONITOR never shows. Redis does not feed commands flagged `admin` to
 * MONITOR clients (CONFIG, REPLICAOF/SLAVEOF, MODULE, DEBUG, SHUTDOWN, SAVE, ACL...) — the
 * seed's note "MONITOR cannot see CONFIG" — yet those are the takeover commands. The slow log
 * records them with the client address, so with `slowlog: true` this watcher sets
 * slowlog-log-slower-than 0 (every command is logged; raises slowlog-max-len to 1024), polls
 * SLOWLOG GET on its own connection and emits the admin entries as redis.command events
 * (kyoka.redis.via = 'slowlog'). Entries that rolled off between two polls are counted as
 * dropped. Cost: Redis keeps an entry per command in a ring buffer (extra allocation per call).
 */
import { connect, type Socket } from 'node:net';
import { normalizeIp } from '@kyoka/core';
import { child } from '@kyoka/core/parsers/util';
import { backoff, type Sink } from './common.ts';
import type { RedisTarget } from './config.ts';
import { monitorToEvent, splitClient } from './parsers/redis-monitor.ts';
import { RespError, type RespValue, readReply, respCommand } from './resp.ts';

const ADMIN = new Set([
  'CONFIG',
  'SLAVEOF',
  'REPLICAOF',
  'MODULE',
  'DEBUG',
  'SHUTDOWN',
  'SAVE',
  'BGSAVE',
  'BGREWRITEAOF',
  'FAILOVER',
  'ACL',
]);
const MAX_REPLY = 4 * 1024 * 1024;

export interface SlowlogWatch {
  start(): void;
  stop(): Promise<void>;
}

export function createSlowlogWatch(
  target: RedisTarget,
  sink: Sink,
  opts: { pollMs: number; retryMs: number; maxRetryMs: number },
): SlowlogWatch {
  const retry = backoff(opts.retryMs, opts.maxRetryMs);
  let sock: Socket | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let lastId = -1;

  function session(s: Socket): void {
    let buf: Buffer = Buffer.alloc(0);
    const waiting: ((v: RespValue) => void)[] = [];
    let self = { ip: undefined as string | undefined, port: -1 };
    s.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      if (buf.length > MAX_REPLY) return void s.destroy(new Error('slowlog reply too large'));
      for (;;) {
        const r = readReply(buf);
        if (r === undefined) break;
        buf = buf.subarray(r.next);
        waiting.shift()?.(r.value);
      }
    });
    const ask = (...args: string[]): Promise<RespValue> =>
      new Promise((resolve) => {
        waiting.push(resolve);
        s.write(respCommand(args));
      });
    const must = async (...args: string[]): Promise<RespValue> => {
      const v = await ask(...args);
      if (v instanceof RespError) throw new Error(`${args[0]} ${args[1] ?? ''}: ${v.message}`);
      return v;
    };
    s.once('connect', async () => {
      self = { ip: normalizeIp(s.localAddress), port: s.localPort ?? -1 };
      try {
        if (target.password !== undefined)
          await must(...(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
        await must('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
        const len = await must('CONFIG', 'GET', 'slowlog-max-len');
        if (Array.isArray(len) && Number(len[1]) < 1024) await must('CONFIG', 'SET', 'slowlog-max-len', '1024');
        retry.reset();
        while (!stopping && !s.destroyed) {
          const v = await must('SLOWLOG', 'GET', '1024');
          if (Array.isArray(v)) entries(v, self);
          await new Promise((r) => {
            timer = setTimeout(r, opts.pollMs);
          });
        }
      } catch (err) {
        if (!stopping) {
          sink.stats.errors++;
          sink.log('redis-monitor collector: slowlog watch failed', { error: (err as Error).message });
        }
        s.destroy();
      }
    });
  }

  function entries(list: RespValue[], self: { ip: string | undefined; port: number }): void {
    let minId = Number.POSITIVE_INFINITY;
    let maxId = -1;
    for (const e of list) {
      if (!Array.isArray(e) || typeof e[0] !== 'number') continue;
      minId = Math.min(minId, e[0]);
      maxId = Math.max(maxId, e[0]);
    }
    // Ids went back: the server restarted (or SLOWLOG RESET): everything it holds is new.
    if (lastId >= 0 && maxId < lastId) lastId = minId - 1;
    const fresh = list.filter((e): e is RespValue[] => Array.isArray(e) && typeof e[0] === 'number' && e[0] > lastId);
    if (lastId === -1) {
      // First look: start at the end (what happened before the agent started is not replayed).
      for (const e of fresh) lastId = Math.max(lastId, e[0] as number);
      if (lastId === -1) lastId = 0;
      return;
    }
    if (fresh.length > 0 && minId > lastId + 1) sink.stats.dropped += minId - lastId - 1;
    fresh.sort((a, b) => (a[0] as number) - (b[0] as number));
    for (const e of fresh) {
      lastId = e[0] as number;
      const args = Array.isArray(e[3]) ? e[3].filter((a): a is string => typeof a === 'string') : [];
      const cmd = (args[0] ?? '').toUpperCase();
      if (!ADMIN.has(cmd)) continue;
      const client = typeof e[4] === 'string' ? e[4] : '';
      const peer = splitClient(client);
      if (peer !== undefined && Number(peer[1]) === self.port && normalizeIp(peer[0]) === self.ip) continue;
      sink.stats.lines++;
      const original = JSON.stringify(e).slice(0, 8192);
      sink.parse(() => {
        const ev = monitorToEvent(
          original,
          { time: Number(e[1]) * 1000, db: 0, client, args, truncated: false },
          sink.ctx(),
        );
        const redis = child(child(ev, 'kyoka'), 'redis');
        delete redis.db; // the slow log does not say
        redis.via = 'slowlog';
        return ev;
      });
    }
  }

  function run(): void {
    timer = undefined;
    if (stopping) return;
    const s = connect({ host: target.host, port: target.port });
    sock = s;
    s.setKeepAlive(true, 30_000);
    session(s);
    s.on('error', () => {}); // 'close' follows; the monitor connection logs the same outage
    s.on('close', () => {
      if (sock !== s) return;
      sock = undefined;
      if (stopping) return;
      timer = setTimeout(run, retry.next());
      timer.unref();
    });
  }

  return {
    start() {
      stopping = false;
      run();
    },
    async stop() {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      const s = sock;
      sock = undefined;
      if (s !== undefined && !s.destroyed) {
        const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
        s.destroy();
        await closed;
      }
    },
  };
}
