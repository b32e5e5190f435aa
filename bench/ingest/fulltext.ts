/**
 * bench/ingest/fulltext: CPU per event of the SQLite store's full-text catch-up, the work that
 * runs behind ingest (maintenance(): read the stored document, JSON.parse, tokenText, FTS5
 * insert in slices of ~4 ms). run.ts does not count it: the catch-up has a time budget per
 * maintenance tick (every 15 s) and mostly runs after a run's last acknowledgement. A server
 * that keeps up over time pays it per event on top of run.ts's figure.
 *
 *   node --import tsx bench/ingest/fulltext.ts [--events 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type KyokaEvent, normalizeEvent } from '../../packages/core/src/index.ts';
import { parseQuery } from '../../packages/core/src/query/parse.ts';
import { openStore } from '../../packages/server/src/store/index.ts';
import { benchEventLine } from '../synthetic.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '50000' } } });
const N = Number(values.events);
const BATCH = 5000;

const dir = mkdtempSync(join(tmpdir(), 'kyoka-fulltext-'));
// no sealing during the run: only the catch-up is measured
const store = await openStore({ url: join(dir, 'kyoka.db'), ftsBudgetMs: 3_600_000, hotQuietMs: 1e12 });
const t0 = Date.now() - 1000;
for (let b = 0; b < N / BATCH; b++) {
  const events: KyokaEvent[] = [];
  for (let j = 0; j < BATCH; j++) {
    const i = b * BATCH + j;
    const line = benchEventLine(i, t0 + (i % 1000));
    events.push(normalizeEvent(JSON.parse(line) as Record<string, unknown>, { receivedAt: Date.now(), source: 'api' }));
  }
  await store.events.insert(events);
}
const cpu = process.cpuUsage();
const w0 = performance.now();
await store.events.maintenance();
const used = process.cpuUsage(cpu);
const wall = performance.now() - w0;
const found = await store.events.search({ query: parseQuery('pw5'), from: t0 - 1000, to: Date.now() + 1000, limit: 1 });
await store.close();
rmSync(dir, { recursive: true, force: true });
const us = (used.user + used.system) / N;
console.log(
  `bench/ingest/fulltext: ${N.toLocaleString('en-US')} stored events indexed in ${(wall / 1000).toFixed(1)} s: ` +
    `${us.toFixed(1)} CPU µs per event (${Math.round(1e6 / us).toLocaleString('en-US')} events / CPU-s); ` +
    `free-text "pw5" finds ${found.total}`,
);
