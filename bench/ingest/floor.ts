/**
 * bench/ingest/floor: the per-event floor of HTTP NDJSON ingest into SQLite on this machine,
 * in-process, without fastify, detection or the writer: CPU µs per event of each step the
 * server cannot skip (decode + JSON.parse, normalization, row columns + JSON.stringify of the
 * stored document, a bare better-sqlite3 multi-row insert with UNIQUE(id) and
 * synchronous=FULL commits), on the same ~300-byte events as bench/ingest/run.ts.
 * Answers "how far can run.ts's events / CPU-s go" without guessing from profiles.
 *
 *   node --import tsx bench/ingest/floor.ts [--events 300000] [--batch 5000] [--multi 64] [--no-unique]
 *
 * --multi: rows per INSERT statement; --no-unique: without the UNIQUE(id) index (what the
 * idempotency index costs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { normalizeEvent } from '../../packages/core/src/index.ts';
import { decodeBody } from '../../packages/server/src/ingest/decode.ts';
import { COLUMNS, fillColumns, indexesByPart } from '../../packages/server/src/store/partition.ts';
import { benchEventLine } from '../synthetic.ts';
import { table } from './proc-stats.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '5000' },
    multi: { type: 'string', default: '64' },
    'no-unique': { type: 'boolean', default: false },
  },
});
const N = Number(values.events);
const BATCH = Number(values.batch);
const MULTI = Number(values.multi);

function body(b: number, t0: number): Buffer {
  const lines: string[] = [];
  for (let j = 0; j < BATCH; j++) {
    const i = b * BATCH + j;
    lines.push(benchEventLine(i, t0 + i));
  }
  return Buffer.from(lines.join('\n'));
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3; // ms
};

const dir = mkdtempSync(join(tmpdir(), 'kyoka-floor-'));
const db = new Database(join(dir, 'floor.db'));
db.pragma('page_size = 16384');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('cache_size = -65536');
db.exec(`CREATE TABLE ev (rid INTEGER PRIMARY KEY, ${COLUMNS.join(', ')})`);
if (!values['no-unique']) db.exec('CREATE UNIQUE INDEX ev_id ON ev (id)');
const W = COLUMNS.length;
const one = `(${COLUMNS.map(() => '?').join(', ')})`;
const multi = db.prepare(
  `INSERT OR IGNORE INTO ev (${COLUMNS.join(', ')}) VALUES ${Array(MULTI).fill(one).join(', ')}`,
);
const single = db.prepare(`INSERT OR IGNORE INTO ev (${COLUMNS.join(', ')}) VALUES ${one}`);

const t0 = Date.now() - 3_600_000;
const bodies = Array.from({ length: Math.ceil(N / BATCH) }, (_, b) => body(b, t0));
const spent = { decode: 0, normalize: 0, rows: 0, insert: 0, total: 0 };
const start = cpu();
for (const buf of bodies) {
  let c = cpu();
  const d = decodeBody(buf, { maxBytes: 1 << 30, maxBatch: 1 << 20 });
  spent.decode += cpu() - c;
  c = cpu();
  const now = Date.now();
  const events = d.records.map((r) =>
    normalizeEvent(r.value as Record<string, unknown>, { receivedAt: now, source: 'api' }),
  );
  spent.normalize += cpu() - c;
  c = cpu();
  // rows built apart from the insert so the two costs are seen separately
  const ts = new Float64Array(events.length);
  indexesByPart(events, ts);
  const rows: unknown[] = new Array(events.length * W);
  for (let i = 0; i < events.length; i++) {
    fillColumns(rows, i * W, events[i]!, ts[i]!);
    rows[i * W + W - 1] = JSON.stringify(events[i]);
  }
  spent.rows += cpu() - c;
  c = cpu();
  const buf64: unknown[] = new Array(MULTI * W);
  db.transaction(() => {
    let i = 0;
    for (; i + MULTI <= events.length; i += MULTI) {
      for (let k = 0; k < MULTI * W; k++) buf64[k] = rows[i * W + k];
      multi.run(buf64);
    }
    for (; i < events.length; i++) single.run(rows.slice(i * W, (i + 1) * W));
  })();
  spent.insert += cpu() - c;
}
spent.total = cpu() - start;
db.close();
rmSync(dir, { recursive: true, force: true });

const us = (ms: number) => (ms * 1e3) / N;
console.log(`\nbench/ingest/floor: ${N.toLocaleString('en-US')} events, batches of ${BATCH}, one process\n`);
console.log(
  table(
    ['step', 'CPU µs / event'],
    [
      ['decode (utf8, NDJSON split, JSON.parse)', us(spent.decode)],
      ['normalizeEvent', us(spent.normalize)],
      ['row columns + JSON.stringify(doc)', us(spent.rows)],
      ['SQLite multi-row insert + commit (FULL)', us(spent.insert)],
      ['total (incl. GC)', us(spent.total)],
      ['= events / CPU-s', N / (spent.total / 1e3)],
    ],
  ),
);
