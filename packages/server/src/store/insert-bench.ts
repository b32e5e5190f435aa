/**
 * Store benchmark (not part of the test run): inserts synthetic ~300-byte honeypot events in
 * batches, then seals and times typical queries. Prints a table.
 *   node --import tsx packages/server/src/store/insert-bench.ts [sqlite|postgres] [events] [batch] [insert-only]
 * postgres: uses $KYOKA_BENCH_PG_URL, else starts a throwaway cluster (test/helpers/pg.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KyokaEvent, newId } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { startPostgres } from '../../../../test/helpers/pg.ts';
import { openStore } from './index.ts';

const DAY_MS = 86_400_000;

const backend = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const N = Number(process.argv[3] ?? 1_000_000);
const BATCH = Number(process.argv[4] ?? 5000);
const USERS = ['root', 'admin', 'ubnt', 'pi', 'test', 'oracle', 'guest', 'user', 'support', 'postgres'];
const start = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS / 2; // spans yesterday and today
const step = Math.max(1, Math.floor(DAY_MS / 2 / N));

function event(i: number): KyokaEvent {
  const ts = start + i * step;
  const ip = `${(i * 7919) % 223}.${(i * 31) % 256}.${(i >> 4) % 256}.${i % 251}`;
  const u = USERS[i % USERS.length]!;
  return {
    id: newId(ts),
    '@timestamp': new Date(ts).toISOString(),
    event: {
      kind: 'event',
      category: ['authentication'],
      action: 'ssh.login',
      outcome: 'failure',
      dataset: 'opencanary',
    },
    source: { ip, port: 1024 + (i % 60000) },
    destination: { ip: '10.0.0.5', port: 22 },
    network: { transport: 'tcp' },
    user: { name: u },
    observer: { name: 'canary-1' },
    kyoka: { source: 'http', credentials: { username: u, password: `pw${i % 100_000}` } },
  };
}

const pgh = backend === 'postgres' && !process.env.KYOKA_BENCH_PG_URL ? await startPostgres() : null;
const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-'));
const url = backend === 'sqlite' ? `sqlite:${join(dir, 'bench.db')}` : (process.env.KYOKA_BENCH_PG_URL ?? pgh?.url);
if (!url) throw new Error('no PostgreSQL available');
// the bench's clock is "tomorrow + 1 min" so that maintenance() seals both partitions
const store = await openStore({ url, hotQuietMs: 0, ftsBudgetMs: 600_000, now: () => start + 2 * DAY_MS });
const rows: Array<[string, string]> = [];
// Load calibration: machine-limits.md measured JSON.parse of nested 300-byte events at 369k/s (2.71 µs)
{
  const base = JSON.stringify({ ...event(1), kyoka: undefined, observer: undefined, network: undefined });
  const line = JSON.stringify({ ...JSON.parse(base), pad: 'x'.repeat(Math.max(0, 290 - base.length)) });
  const lines = Array.from({ length: 200_000 }, (_, i) => line.replace('"port":', `"n":${i},"port":`));
  const c0 = process.cpuUsage();
  for (const l of lines) JSON.parse(l);
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / lines.length;
  rows.push([
    `calibration: JSON.parse ${line.length} B`,
    `${us.toFixed(2)} µs (nested-event reference 2.71 µs → slowdown ×${(us / 2.71).toFixed(1)})`,
  ]);
}
try {
  let cpu = 0;
  let wall = 0;
  for (let b = 0; b < N; b += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, N - b) }, (_, k) => event(b + k));
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await store.events.insert(batch);
    wall += performance.now() - w0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  const size = JSON.stringify(event(1)).length;
  rows.push([
    `insert ${N} × ~${size} B, batch ${BATCH}`,
    `${(cpu / N).toFixed(2)} µs/event CPU, ${((wall * 1000) / N).toFixed(2)} µs/event wall`,
  ]);
  rows.push(['events/s (wall)', Math.round(N / (wall / 1000)).toLocaleString('en')]);
  const time = async (name: string, fn: () => Promise<unknown>) => {
    await fn(); // warm
    const t0 = performance.now();
    const r = await fn();
    rows.push([name, `${(performance.now() - t0).toFixed(1)} ms  ${JSON.stringify(r).slice(0, 60)}`]);
  };
  const term = (field: string, value: string): QueryNode => ({
    type: 'term',
    field,
    value,
    phrase: false,
    wildcard: false,
  });
  const text = (value: string): QueryNode => ({ type: 'text', value, phrase: false, wildcard: false });
  const all: QueryNode = { type: 'all' };
  const win = { from: start, to: start + DAY_MS };
  const lastHour = { from: start + N * step - 3_600_000, to: start + N * step };
  const queries = async (phase: string) => {
    await time(
      `${phase}: src_ip = x, limit 100`,
      async () => (await store.events.search({ query: term('source.ip', '7.31.0.7'), ...win, limit: 100 })).total,
    );
    await time(
      `${phase}: count action, last hour`,
      async () =>
        (await store.events.search({ query: term('event.action', 'ssh.login'), ...lastHour, limit: 1 })).total,
    );
    await time(
      `${phase}: newest 100, all`,
      async () => (await store.events.search({ query: all, ...win, limit: 100 })).events.length,
    );
    await time(`${phase}: top 10 source.ip`, () => store.events.top({ field: 'source.ip', query: all, ...win, n: 10 }));
    await time(
      `${phase}: histogram 1h`,
      async () => (await store.events.histogram({ query: all, ...win, intervalMs: 3_600_000 })).length,
    );
    await time(
      `${phase}: free text rare`,
      async () => (await store.events.search({ query: text('pw12345'), ...win, limit: 100 })).total,
    );
    await time(
      `${phase}: non-hot field`,
      async () =>
        (await store.events.search({ query: term('kyoka.credentials.password', 'pw12345'), ...win, limit: 100 })).total,
    );
  };
  if (process.argv[5] !== 'insert-only') {
    await queries('hot');
    const m0 = performance.now();
    await store.events.maintenance();
    rows.push(['maintenance (seal + full text)', `${((performance.now() - m0) / 1000).toFixed(1)} s`]);
    await queries('sealed');
  }
  const st = await store.events.stats();
  rows.push(['stats', JSON.stringify(st)]);
} finally {
  await store.close();
  await pgh?.stop();
  rmSync(dir, { recursive: true, force: true });
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`\nKyoka store bench (${backend})`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
