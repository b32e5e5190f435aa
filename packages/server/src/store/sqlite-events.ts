/**
 * EventStore on better-sqlite3, on the main thread (calls are synchronous; each insert batch
 * is one transaction, committed with synchronous=FULL so it is durable when the promise
 * resolves). Partition registry is mirrored in memory: this process is the only writer.
 */
import { KyokaError, type KyokaEvent, toKyokaError } from '@kyoka/core';
import type { Database, Statement } from 'better-sqlite3';
import { createPartitionSql, dropPartitionSql, ftsTable, sealSql } from './ddl.ts';
import {
  COLUMNS,
  fillColumns,
  indexesByPart,
  PARTITION_MS,
  type PartitionInfo,
  partStart,
  shouldSeal,
  tableName,
} from './partition.ts';
import { asQueryError, type Reader, readGet, readHistogram, readSearch, readTop } from './read.ts';
import { rollupDropSql } from './rollups.ts';
import { catchUpFts, ftsState, rollUp, yieldLoop } from './sqlite-background.ts';
import type { EventStore, HistogramRequest, SearchRequest, SearchResult, TopRequest } from './types.ts';

const DELETE_CHUNK = 5000;
const MULTI = 64;
/** Prepared read statements, by SQL text (one text per partition and query shape). */
const STMT_CACHE_MAX = 2000;

export interface SqliteEventOptions {
  hotQuietMs: number;
  ftsBudgetMs: number;
  now: () => number;
  /** Runs the (idempotent) schema migrations. */
  migrate: () => void;
}

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private parts = new Map<number, PartitionInfo>();
  private inserts = new Map<number, [Statement, Statement]>();
  private stmts = new Map<string, Statement>();
  /** Partitions with rows above their full-text high-water mark (maybe), and the slice size. */
  private fts = ftsState();
  private bg: Promise<void> = Promise.resolve();

  constructor(
    private db: Database,
    private opts: SqliteEventOptions,
  ) {}

  private wrap<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof KyokaError ? err : toKyokaError(err, 'KYOKA_E_STORE'));
    }
  }

  private async wrapAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof KyokaError ? err : toKyokaError(err, 'KYOKA_E_STORE');
    }
  }

  async init(): Promise<void> {
    try {
      this.opts.migrate();
    } catch (err) {
      throw toKyokaError(err, 'KYOKA_E_STORE');
    }
    this.parts.clear();
    this.inserts.clear();
    this.stmts.clear();
    const rows = this.db
      .prepare('SELECT part, tbl, sealed, fts_hw, rows, last_write, rolled FROM event_partitions')
      .all() as Array<Record<string, number | string>>;
    for (const r of rows) {
      this.fts.dirty.add(Number(r.part));
      this.parts.set(Number(r.part), {
        part: Number(r.part),
        table: String(r.tbl),
        sealed: Number(r.sealed) === 1,
        ftsHw: Number(r.fts_hw),
        rows: Number(r.rows),
        lastWrite: Number(r.last_write),
        rolled: Number(r.rolled) === 1,
      });
    }
  }

  private partition(part: number): PartitionInfo {
    let p = this.parts.get(part);
    if (!p) {
      const table = tableName(part);
      for (const s of createPartitionSql('sqlite', table)) this.db.exec(s);
      this.db.prepare('INSERT OR IGNORE INTO event_partitions (part, tbl) VALUES (?, ?)').run(part, table);
      p = { part, table, sealed: false, ftsHw: 0, rows: 0, lastWrite: 0, rolled: false };
      this.parts.set(part, p);
    }
    return p;
  }

  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      if (this.stmts.size >= STMT_CACHE_MAX) this.stmts.clear();
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** [single-row, MULTI-row] statements: multi-row VALUES saves ~10% of per-row overhead. */
  private insertStmts(p: PartitionInfo): [Statement, Statement] {
    let s = this.inserts.get(p.part);
    if (!s) {
      const one = `(${COLUMNS.map(() => '?').join(', ')})`;
      const head = `INSERT OR IGNORE INTO ${p.table} (${COLUMNS.join(', ')}) VALUES `;
      s = [this.db.prepare(head + one), this.db.prepare(head + Array(MULTI).fill(one).join(', '))];
      this.inserts.set(p.part, s);
    }
    return s;
  }

  insert(events: KyokaEvent[]): Promise<{ inserted: number; duplicates: number }> {
    return this.wrap(() => {
      // Times and ids are checked before the transaction: a bad event rejects the batch
      // without side effects. Column values go straight into the bind buffer (no row arrays).
      const ts = new Float64Array(events.length);
      const byPart = indexesByPart(events, ts);
      const now = this.opts.now();
      const touched: Array<[PartitionInfo, number]> = [];
      let inserted = 0;
      const W = COLUMNS.length;
      const buf: unknown[] = new Array(MULTI * W);
      const tx = this.db.transaction(() => {
        // a late write into a rolled-up partition makes its rollup stale (rollups.ts)
        const upd = this.stmt(
          'UPDATE event_partitions SET rows = rows + ?, last_write = ?, rolled = CASE WHEN ? > 0 THEN 0 ELSE rolled END WHERE part = ?',
        );
        const row: unknown[] = new Array(W);
        for (const [part, idx] of byPart) {
          const p = this.partition(part);
          const [one, multi] = this.insertStmts(p);
          let n = 0;
          let i = 0;
          for (; i + MULTI <= idx.length; i += MULTI) {
            for (let j = 0; j < MULTI; j++) {
              const x = idx[i + j]!;
              const e = events[x]!;
              fillColumns(buf, j * W, e, ts[x]!);
              buf[j * W + W - 1] = JSON.stringify(e);
            }
            n += multi.run(buf).changes;
          }
          for (; i < idx.length; i++) {
            const e = events[idx[i]!]!;
            fillColumns(row, 0, e, ts[idx[i]!]!);
            row[W - 1] = JSON.stringify(e);
            n += one.run(row).changes;
          }
          upd.run(n, now, n, part);
          touched.push([p, n]);
          inserted += n;
        }
      });
      try {
        tx();
      } catch (err) {
        // DDL inside a rolled-back transaction is undone too: forget partitions created by it
        for (const part of byPart.keys()) if (!this.tableExists(this.parts.get(part)?.table)) this.forget(part);
        throw err;
      }
      for (const [p, n] of touched) {
        p.rows += n;
        p.lastWrite = now;
        if (n > 0) {
          this.fts.dirty.add(p.part);
          p.rolled = false;
        }
      }
      return { inserted, duplicates: events.length - inserted };
    });
  }

  private tableExists(t: string | undefined): boolean {
    if (!t) return false;
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
  }

  private forget(part: number): void {
    this.parts.delete(part);
    this.inserts.delete(part);
    this.fts.dirty.delete(part);
    this.stmts.clear(); // statements on a dropped table would fail
  }

  private reader: Reader = {
    dialect: 'sqlite',
    partitions: () => this.parts.values(),
    ref: (p) => ({
      table: p.table,
      start: partStart(p),
      end: partStart(p) + PARTITION_MS,
      fts: p.ftsHw > 0 ? { base: p.table, table: ftsTable(p.table), hw: p.ftsHw } : null,
    }),
    all: async (q) => this.stmt(q.sql).all(...q.params) as Array<Record<string, unknown>>,
  };

  get(id: string): Promise<KyokaEvent | null> {
    return this.wrapAsync(() => readGet(this.reader, id));
  }

  search(req: SearchRequest): Promise<SearchResult> {
    return this.wrapAsync(() => readSearch(this.reader, req).catch(asQueryError));
  }

  top(req: TopRequest): Promise<Array<{ value: string | number; count: number }>> {
    return this.wrapAsync(() => readTop(this.reader, req).catch(asQueryError));
  }

  histogram(req: HistogramRequest): Promise<Array<{ ts: number; count: number }>> {
    return this.wrapAsync(() => readHistogram(this.reader, req).catch(asQueryError));
  }

  deleteOlderThan(ts: number): Promise<number> {
    return this.serial(() => this.retain(ts));
  }

  private async retain(ts: number): Promise<number> {
    let deleted = 0;
    try {
      for (const p of [...this.parts.values()]) {
        const start = partStart(p);
        if (start + PARTITION_MS <= ts) {
          // whole partition: DROP is cheap compared with deleting row by row
          this.db.transaction(() => {
            for (const s of dropPartitionSql('sqlite', p.table)) this.db.exec(s);
            this.db.prepare('DELETE FROM event_partitions WHERE part = ?').run(p.part);
            const drop = rollupDropSql('sqlite', p.part);
            this.db.prepare(drop.sql).run(...drop.params);
          })();
          this.forget(p.part);
          deleted += p.rows;
          await yieldLoop();
        } else if (start < ts) {
          deleted += await this.deleteChunked(p, ts);
        }
      }
    } catch (err) {
      throw toKyokaError(err, 'KYOKA_E_STORE');
    }
    return deleted;
  }

  /** The partition straddling the cutoff: small transactions, yielding to ingest in between. */
  private async deleteChunked(p: PartitionInfo, ts: number): Promise<number> {
    const sel = this.db.prepare(`SELECT rid, doc FROM ${p.table} WHERE ts < ? LIMIT ${DELETE_CHUNK}`);
    const del = this.db.prepare(`DELETE FROM ${p.table} WHERE rid = ?`);
    const delFts = this.db.prepare(`DELETE FROM ${ftsTable(p.table)} WHERE rowid = ?`);
    const upd = this.db.prepare('UPDATE event_partitions SET rows = rows - ?, rolled = 0 WHERE part = ?');
    let total = 0;
    for (;;) {
      const n = this.db.transaction(() => {
        const rows = sel.all(ts) as Array<{ rid: number }>;
        for (const r of rows) {
          del.run(r.rid);
          // rowids can be reused after deletes, so the FTS entry must go too
          if (r.rid <= p.ftsHw) delFts.run(r.rid);
        }
        upd.run(rows.length, p.part);
        return rows.length;
      })();
      p.rows -= n;
      p.rolled = false;
      total += n;
      if (n < DELETE_CHUNK) break;
      await yieldLoop();
    }
    // deleting the highest rowids lets SQLite hand them out again: keep new rows above the mark
    const max = this.db.prepare(`SELECT COALESCE(max(rid), 0) AS m FROM ${p.table}`).get() as { m: number };
    if (max.m < p.ftsHw) {
      p.ftsHw = max.m;
      this.db.prepare('UPDATE event_partitions SET fts_hw = ? WHERE part = ?').run(p.ftsHw, p.part);
    }
    return total;
  }

  /** maintenance() and retention interleave with ingest (they yield) but never with each other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.bg.then(fn, fn);
    this.bg = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  maintenance(): Promise<void> {
    return this.serial(() => this.maintain());
  }

  private async maintain(): Promise<void> {
    try {
      const now = this.opts.now();
      let sealed = 0;
      for (const p of [...this.parts.values()].sort((a, b) => a.part - b.part)) {
        if (!shouldSeal(p, now, this.opts.hotQuietMs)) continue;
        // one index per step: each CREATE INDEX holds the write lock, so keep the stalls short
        for (const s of sealSql('sqlite', p.table, false)) {
          this.db.exec(s);
          await yieldLoop();
        }
        this.db.prepare('UPDATE event_partitions SET sealed = 1 WHERE part = ?').run(p.part);
        p.sealed = true;
        this.inserts.delete(p.part); // late events re-prepare; keeps the map to hot partitions
        sealed++;
      }
      await rollUp(this.db, this.parts);
      await catchUpFts(this.db, this.parts, this.fts, this.opts.ftsBudgetMs);
      if (sealed > 0) this.db.exec('PRAGMA analysis_limit = 1000; PRAGMA optimize;');
    } catch (err) {
      throw toKyokaError(err, 'KYOKA_E_STORE');
    }
  }

  stats(): Promise<{ events: number; bytes?: number; partitions: number }> {
    return this.wrap(() => {
      let events = 0;
      for (const p of this.parts.values()) events += p.rows;
      const pages = Number(this.db.pragma('page_count', { simple: true }));
      const size = Number(this.db.pragma('page_size', { simple: true }));
      return { events, bytes: pages * size, partitions: this.parts.size };
    });
  }

  async close(): Promise<void> {
    this.inserts.clear();
    this.stmts.clear();
  }
}
