/**
 * EventStore on better-sqlite3, on the main thread (calls are synchronous; each insert batch
 * is one transaction, committed with synchronous=FULL so it is durable when the promise
 * resolves). Partition registry is mirrored in memory: this process is the only writer.
 */
import { KyokaError, type KyokaEvent, toKyokaError } from '@kyoka/core';
import type { Database, Statement } from 'better-sqlite3';
import { createPartitionSql, dropPartitionSql, ftsTable, sealSql } from './ddl.ts';
import { COLUMNS, DAY_MS, leafText, type PartitionInfo, rowsByDay, shouldSeal, tableName } from './partition.ts';
import { getSql, parseDoc, type Reader, readHistogram, readSearch, readTop } from './read.ts';
import type { EventStore, HistogramRequest, SearchRequest, SearchResult, TopRequest } from './types.ts';

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));
const FTS_BATCH = 2000;
const DELETE_CHUNK = 5000;
const MULTI = 64;

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
    const rows = this.db
      .prepare('SELECT day, tbl, sealed, fts_hw, rows, last_write FROM event_partitions')
      .all() as Array<Record<string, number | string>>;
    for (const r of rows) {
      this.parts.set(Number(r.day), {
        day: Number(r.day),
        table: String(r.tbl),
        sealed: Number(r.sealed) === 1,
        ftsHw: Number(r.fts_hw),
        rows: Number(r.rows),
        lastWrite: Number(r.last_write),
      });
    }
  }

  private partition(day: number): PartitionInfo {
    let p = this.parts.get(day);
    if (!p) {
      const table = tableName(day);
      for (const s of createPartitionSql('sqlite', table)) this.db.exec(s);
      this.db.prepare('INSERT OR IGNORE INTO event_partitions (day, tbl) VALUES (?, ?)').run(day, table);
      p = { day, table, sealed: false, ftsHw: 0, rows: 0, lastWrite: 0 };
      this.parts.set(day, p);
    }
    return p;
  }

  /** [single-row, MULTI-row] statements: multi-row VALUES saves ~10% of per-row overhead. */
  private insertStmts(p: PartitionInfo): [Statement, Statement] {
    let s = this.inserts.get(p.day);
    if (!s) {
      const one = `(${COLUMNS.map(() => '?').join(', ')})`;
      const head = `INSERT OR IGNORE INTO ${p.table} (${COLUMNS.join(', ')}) VALUES `;
      s = [this.db.prepare(head + one), this.db.prepare(head + Array(MULTI).fill(one).join(', '))];
      this.inserts.set(p.day, s);
    }
    return s;
  }

  insert(events: KyokaEvent[]): Promise<{ inserted: number; duplicates: number }> {
    return this.wrap(() => {
      // Rows are built before the transaction: a bad event rejects the batch without side effects.
      const byDay = rowsByDay(events);
      const now = this.opts.now();
      const touched: Array<[PartitionInfo, number]> = [];
      let inserted = 0;
      const tx = this.db.transaction(() => {
        const upd = this.db.prepare('UPDATE event_partitions SET rows = rows + ?, last_write = ? WHERE day = ?');
        for (const [day, rows] of byDay) {
          const p = this.partition(day);
          const [one, multi] = this.insertStmts(p);
          let n = 0;
          let i = 0;
          for (; i + MULTI <= rows.length; i += MULTI) n += multi.run(rows.slice(i, i + MULTI).flat()).changes;
          for (; i < rows.length; i++) n += one.run(rows[i]).changes;
          upd.run(n, now, day);
          touched.push([p, n]);
          inserted += n;
        }
      });
      try {
        tx();
      } catch (err) {
        // DDL inside a rolled-back transaction is undone too: forget partitions created by it
        for (const day of byDay.keys()) if (!this.tableExists(this.parts.get(day)?.table)) this.forget(day);
        throw err;
      }
      for (const [p, n] of touched) {
        p.rows += n;
        p.lastWrite = now;
      }
      return { inserted, duplicates: events.length - inserted };
    });
  }

  private tableExists(t: string | undefined): boolean {
    if (!t) return false;
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
  }

  private forget(day: number): void {
    this.parts.delete(day);
    this.inserts.delete(day);
  }

  private reader: Reader = {
    dialect: 'sqlite',
    partitions: () => this.parts.values(),
    ref: (p) => ({
      table: p.table,
      start: p.day * DAY_MS,
      end: (p.day + 1) * DAY_MS,
      fts: p.ftsHw > 0 ? { base: p.table, table: ftsTable(p.table), hw: p.ftsHw } : null,
    }),
    all: async (q) => this.db.prepare(q.sql).all(...q.params) as Array<Record<string, unknown>>,
  };

  get(id: string): Promise<KyokaEvent | null> {
    return this.wrap(() => {
      const q = getSql(
        'sqlite',
        [...this.parts.values()].sort((a, b) => b.day - a.day),
        id,
      );
      const r = q ? (this.db.prepare(q.sql).get(...q.params) as { doc: string } | undefined) : undefined;
      return r ? parseDoc(r.doc) : null;
    });
  }

  search(req: SearchRequest): Promise<SearchResult> {
    return this.wrapAsync(() => readSearch(this.reader, req));
  }

  top(req: TopRequest): Promise<Array<{ value: string | number; count: number }>> {
    return this.wrapAsync(() => readTop(this.reader, req));
  }

  histogram(req: HistogramRequest): Promise<Array<{ ts: number; count: number }>> {
    return this.wrapAsync(() => readHistogram(this.reader, req));
  }

  deleteOlderThan(ts: number): Promise<number> {
    return this.serial(() => this.retain(ts));
  }

  private async retain(ts: number): Promise<number> {
    let deleted = 0;
    try {
      for (const p of [...this.parts.values()]) {
        const start = p.day * DAY_MS;
        if (start + DAY_MS <= ts) {
          // whole partition: DROP is cheap compared with deleting row by row
          this.db.transaction(() => {
            for (const s of dropPartitionSql('sqlite', p.table)) this.db.exec(s);
            this.db.prepare('DELETE FROM event_partitions WHERE day = ?').run(p.day);
          })();
          this.forget(p.day);
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
    const upd = this.db.prepare('UPDATE event_partitions SET rows = rows - ? WHERE day = ?');
    let total = 0;
    for (;;) {
      const n = this.db.transaction(() => {
        const rows = sel.all(ts) as Array<{ rid: number }>;
        for (const r of rows) {
          del.run(r.rid);
          // rowids can be reused after deletes, so the FTS entry must go too
          if (r.rid <= p.ftsHw) delFts.run(r.rid);
        }
        upd.run(rows.length, p.day);
        return rows.length;
      })();
      p.rows -= n;
      total += n;
      if (n < DELETE_CHUNK) break;
      await yieldLoop();
    }
    // deleting the highest rowids lets SQLite hand them out again: keep new rows above the mark
    const max = this.db.prepare(`SELECT COALESCE(max(rid), 0) AS m FROM ${p.table}`).get() as { m: number };
    if (max.m < p.ftsHw) {
      p.ftsHw = max.m;
      this.db.prepare('UPDATE event_partitions SET fts_hw = ? WHERE day = ?').run(p.ftsHw, p.day);
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
      for (const p of [...this.parts.values()].sort((a, b) => a.day - b.day)) {
        if (!shouldSeal(p, now, this.opts.hotQuietMs)) continue;
        // one index per step: each CREATE INDEX holds the write lock, so keep the stalls short
        for (const s of sealSql('sqlite', p.table, false)) {
          this.db.exec(s);
          await yieldLoop();
        }
        this.db.prepare('UPDATE event_partitions SET sealed = 1 WHERE day = ?').run(p.day);
        p.sealed = true;
        sealed++;
      }
      await this.catchUpFts();
      if (sealed > 0) this.db.exec('PRAGMA analysis_limit = 1000; PRAGMA optimize;');
    } catch (err) {
      throw toKyokaError(err, 'KYOKA_E_STORE');
    }
  }

  /** Full-text index behind ingest: batches of FTS_BATCH rows per transaction, within a time budget. */
  private async catchUpFts(): Promise<void> {
    const deadline = Date.now() + this.opts.ftsBudgetMs;
    for (const p of [...this.parts.values()].sort((a, b) => b.day - a.day)) {
      const sel = this.db.prepare(`SELECT rid, doc FROM ${p.table} WHERE rid > ? ORDER BY rid LIMIT ${FTS_BATCH}`);
      const ins = this.db.prepare(`INSERT INTO ${ftsTable(p.table)} (rowid, txt) VALUES (?, ?)`);
      const upd = this.db.prepare('UPDATE event_partitions SET fts_hw = ? WHERE day = ?');
      for (;;) {
        if (Date.now() >= deadline) return;
        const hw = this.db.transaction(() => {
          const rows = sel.all(p.ftsHw) as Array<{ rid: number; doc: string }>;
          for (const r of rows) ins.run(r.rid, leafText(JSON.parse(r.doc)));
          const top = rows.length ? rows[rows.length - 1]!.rid : p.ftsHw;
          if (top !== p.ftsHw) upd.run(top, p.day);
          return top;
        })();
        if (hw === p.ftsHw) break;
        p.ftsHw = hw;
        await yieldLoop();
      }
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
  }
}
