/**
 * The SQLite event store's work behind ingest: per-partition rollups of sealed hours and the
 * full-text index. better-sqlite3 is synchronous, so every step blocks the event loop while it
 * runs: each is a short transaction followed by a yield, so ingest and the decision path
 * interleave with it.
 */
import type { Database } from 'better-sqlite3';
import { tokenText } from '../search/tokens.ts';
import { ftsTable } from './ddl.ts';
import type { PartitionInfo } from './partition.ts';
import { rollupBuildSql, rollupMarkSql } from './rollups.ts';

export const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** Most rows in one full-text slice; target duration of a slice; least rows in one. */
const FTS_BATCH = 2000;
const FTS_SLICE_MS = 4;
const FTS_SLICE_MIN = 50;

/** (Re)builds the rollups of sealed partitions that lack a current one, a partition per transaction. */
export async function rollUp(db: Database, parts: Map<number, PartitionInfo>): Promise<void> {
  for (const p of [...parts.values()]) {
    if (!p.sealed || p.rolled) continue;
    p.rolled = db.transaction(() => {
      for (const q of rollupBuildSql('sqlite', p.table, p.part)) db.prepare(q.sql).run(...q.params);
      const mark = rollupMarkSql('sqlite', p.part);
      return db.prepare(mark.sql).run(...mark.params).changes === 1;
    })();
    await yieldLoop();
  }
}

/** Which partitions have rows above their full-text high-water mark, and the adaptive slice size. */
export interface FtsState {
  dirty: Set<number>;
  slice: number;
}

export function ftsState(): FtsState {
  return { dirty: new Set(), slice: 200 };
}

/**
 * Full-text index behind ingest, within a time budget per maintenance run. Slices are sized to
 * take ~FTS_SLICE_MS from the pace of the previous one (2,000-row slices stalled ingest and the
 * decision path for 20-100 ms), then yield.
 */
export async function catchUpFts(
  db: Database,
  parts: Map<number, PartitionInfo>,
  fts: FtsState,
  budgetMs: number,
): Promise<void> {
  const deadline = Date.now() + budgetMs;
  const dirty = [...fts.dirty].sort((a, b) => b - a);
  for (const part of dirty) {
    const p = parts.get(part);
    if (!p) continue;
    const sel = db.prepare(`SELECT rid, doc FROM ${p.table} WHERE rid > ? ORDER BY rid LIMIT ?`);
    const ins = db.prepare(`INSERT INTO ${ftsTable(p.table)} (rowid, txt) VALUES (?, ?)`);
    const upd = db.prepare('UPDATE event_partitions SET fts_hw = ? WHERE part = ?');
    for (;;) {
      if (Date.now() >= deadline) return;
      const t0 = performance.now();
      const hw = db.transaction(() => {
        const rows = sel.all(p.ftsHw, fts.slice) as Array<{ rid: number; doc: string }>;
        for (const r of rows) ins.run(r.rid, tokenText(JSON.parse(r.doc)));
        const top = rows.length ? rows[rows.length - 1]!.rid : p.ftsHw;
        if (top !== p.ftsHw) upd.run(top, p.part);
        return top;
      })();
      const took = performance.now() - t0;
      if (hw === p.ftsHw) break;
      const rate = fts.slice / Math.max(took, 0.1);
      fts.slice = Math.max(FTS_SLICE_MIN, Math.min(FTS_BATCH, Math.round(rate * FTS_SLICE_MS)));
      p.ftsHw = hw;
      await yieldLoop();
    }
    // a concurrent insert re-marks the partition after this point
    if (parts.get(part) === p) fts.dirty.delete(part);
  }
}
