/**
 * bench/search: query latency over a large SQLite store (default 10M events over 10 days, so
 * about 1M in any 24 h). The store is filled in-process through the same normalize + insert
 * path the server uses, then sealed by maintenance() as a running server would do.
 *
 *   node --import tsx bench/search/run.ts [--events 10000000] [--days 10] [--runs 20] [--keep DIR]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeEvent } from '@kyoka/core';
import { parseQuery } from '@kyoka/core/query/index';
import { openStore } from '../../packages/server/src/store/index.ts';
import { table } from '../ingest/proc-stats.ts';
import { ACTIONS, USERS } from '../synthetic.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '10' },
    runs: { type: 'string', default: '20' },
    keep: { type: 'string' },
  },
});
const N = Number(values.events);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const DAY = 86_400_000;

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'kyoka-search-bench-'));
mkdirSync(dir, { recursive: true });
const dbPath = join(dir, 'kyoka.db');
const fresh = !existsSync(dbPath);
const now = Date.now();
const start = now - DAYS * DAY;
const store = await openStore({ url: `sqlite:${dbPath}`, hotQuietMs: 0, ftsBudgetMs: 3_600_000 });

// 65k distinct attackers with a skewed distribution (a few are very busy), like real honeypot traffic.
const ip = (i: number) => {
  const r = (Math.imul(i, 2654435761) >>> 0) / 2 ** 32;
  const k = Math.floor(65_536 * r * r * r);
  return `203.${(k >> 8) & 255}.${k & 255}.${(k * 7) & 255}`;
};

if (fresh) {
  const t0 = performance.now();
  const BATCH = 10_000;
  const step = (DAYS * DAY) / N;
  for (let b = 0; b < N; b += BATCH) {
    const evs = [];
    for (let i = b; i < Math.min(N, b + BATCH); i++) {
      const needle = i % 1_000_003 === 17 ? ' zanzibar-needle' : '';
      evs.push(
        normalizeEvent(
          {
            '@timestamp': new Date(start + Math.floor(i * step)).toISOString(),
            event: { action: ACTIONS[i % 6], category: ['authentication'], outcome: 'failure', dataset: 'bench' },
            source: { ip: ip(i), port: 1024 + (i % 60000) },
            destination: { ip: '192.0.2.10', port: 22 },
            user: { name: USERS[i % 8] },
            observer: { name: `sensor-${i % 4}` },
            message: `login attempt ${USERS[i % 8]}${needle}`,
          },
          { receivedAt: now, source: 'bench' },
        ),
      );
    }
    await store.events.insert(evs);
    if ((b / BATCH) % 100 === 0) process.stderr.write(`\rloaded ${b.toLocaleString('en-US')}`);
  }
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await store.events.maintenance();
  console.error(
    `\nloaded ${N} in ${loadS.toFixed(0)} s (${Math.round(N / loadS)} events/s); maintenance (indexes + full text) ${((performance.now() - t1) / 1000).toFixed(0)} s`,
  );
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await fn(); // warm
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  const q = (p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
  return { p50: q(0.5), p95: q(0.95), max: xs[xs.length - 1] as number };
}

const day = { from: now - DAY, to: now + 1 };
const all = { from: start - 1, to: now + 1 };
const busy = ip(1);
const cases: Array<[string, () => Promise<unknown>]> = [
  [
    `source.ip:${busy} (24 h, 100 newest + total)`,
    () => store.events.search({ query: parseQuery(`source.ip:${busy}`), ...day, limit: 100 }),
  ],
  [
    'source.ip:203.0.0.0/16 and event.action:ssh.login_attempt (24 h)',
    () =>
      store.events.search({
        query: parseQuery('source.ip:203.0.0.0/16 and event.action:ssh.login_attempt'),
        ...day,
        limit: 100,
      }),
  ],
  ['top-10 source.ip (24 h)', () => store.events.top({ field: 'source.ip', query: parseQuery(''), ...day, n: 10 })],
  [
    'top-10 event.action (24 h)',
    () => store.events.top({ field: 'event.action', query: parseQuery(''), ...day, n: 10 }),
  ],
  ['histogram, 24 h by 30 min', () => store.events.histogram({ query: parseQuery(''), ...day, intervalMs: 1_800_000 })],
  [
    'free text "zanzibar-needle" (24 h)',
    () => store.events.search({ query: parseQuery('zanzibar-needle'), ...day, limit: 100 }),
  ],
  [
    `free text "zanzibar-needle" (${DAYS} d)`,
    () => store.events.search({ query: parseQuery('zanzibar-needle'), ...all, limit: 100 }),
  ],
];
const rows: Array<Array<string | number>> = [];
for (const [name, fn] of cases) {
  const r = await time(fn);
  rows.push([name, r.p50, r.p95, r.max]);
}
const st = await store.events.stats();
await store.close();
console.log(
  `\nbench/search: SQLite, ${st.events.toLocaleString('en-US')} events over ${DAYS} days in ${st.partitions} partitions, ${(statSync(dbPath).size / 2 ** 30).toFixed(2)} GiB; ${RUNS} runs per query\n`,
);
console.log(table(['query', 'p50 ms', 'p95 ms', 'max ms'], rows));
if (!values.keep) rmSync(dir, { recursive: true, force: true });
