/**
 * EventStore on PostgreSQL. Inserts: one transaction per batch, one statement per hour
 * partition (INSERT … SELECT FROM unnest(column arrays) ON CONFLICT (id) DO NOTHING: a single
 * named prepared statement whatever the batch size, no 65k-parameter limit). Commit is
 * durable with the default synchronous_commit=on. The partition registry is re-read before
 * each read, since other servers may add partitions.
 */
import { KyokaError, type KyokaEvent, toKyokaError } from '@kyoka/core';
import type pg from 'pg';
import { createPartitionSql, dropPartitionSql, sealSql } from './ddl.ts';
import {
  columnSqlType,
  PARTITION_MS,
  type PartitionInfo,
  PG_COLUMNS,
  partStart,
  rowsByPart,
  shouldSeal,
  tableName,
} from './partition.ts';
import { asQueryError, type Reader, readGet, readHistogram, readSearch, readTop } from './read.ts';
import { rollupBuildSql, rollupDropSql, rollupMarkSql } from './rollups.ts';
import type { EventStore, HistogramRequest, SearchRequest, SearchResult, TopRequest } from './types.ts';

const DELETE_CHUNK = 5000;
/** Advisory lock ids: (LOCK_NS, n). */
export const LOCK_NS = 0x6b796f6b; // "kyok"
export const LOCK_MIGRATE = 1;
const LOCK_MAINTENANCE = 2;

export interface PgEventOptions {
  hotQuietMs: number;
  now: () => number;
  /** Runs migrations; resolves to whether pg_trgm is available. */
  migrate: () => Promise<boolean>;
}

/**
 * The whole batch travels as ONE json parameter, rows as arrays with the pre-serialized doc
 * spliced in verbatim: no per-element escaping in the driver (which cost ~100 µs per event
 * with text[]/jsonb[] parameters) and no double encoding of doc. U+0000 becomes U+FFFD.
 */
function batchJson(rows: unknown[][]): string {
  const last = PG_COLUMNS.length - 1;
  const parts = rows.map((r) => `${JSON.stringify(r.slice(0, last)).slice(0, -1)},${r[last] as string}]`);
  // PostgreSQL text/jsonb cannot hold U+0000: an attacker-sent NUL must not sink the batch
  return `[${parts.join(',')}]`.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

function insertSql(table: string): string {
  const exprs = PG_COLUMNS.map((c, i) => {
    const t = columnSqlType(c, 'postgres');
    if (t.startsWith('JSONB')) return `r -> ${i}`;
    if (t.startsWith('BIGINT')) return `(r ->> ${i})::bigint`;
    return `r ->> ${i}`;
  });
  return `INSERT INTO ${table} (${PG_COLUMNS.join(', ')}) SELECT ${exprs.join(', ')} FROM jsonb_array_elements($1::jsonb) r ON CONFLICT (id) DO NOTHING`;
}

export class PgEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private parts = new Map<number, PartitionInfo>();
  private trigram = false;

  constructor(
    private pool: pg.Pool,
    private opts: PgEventOptions,
  ) {}

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof KyokaError ? err : toKyokaError(err, 'KYOKA_E_STORE');
    }
  }

  async init(): Promise<void> {
    await this.guard(async () => {
      this.trigram = await this.opts.migrate();
      await this.refresh();
    });
  }

  private async refresh(): Promise<void> {
    const r = await this.pool.query('SELECT part, tbl, sealed, fts_hw, rows, last_write, rolled FROM event_partitions');
    const next = new Map<number, PartitionInfo>();
    for (const x of r.rows) {
      const part = Number(x.part);
      next.set(part, {
        part,
        table: String(x.tbl),
        sealed: Number(x.sealed) === 1,
        ftsHw: 0,
        rows: Number(x.rows),
        lastWrite: Number(x.last_write),
        rolled: Number(x.rolled) === 1,
      });
    }
    this.parts = next;
  }

  /** Creates missing partition tables in their own committed transaction (serialized across servers). */
  private async ensurePartitions(parts: number[]): Promise<void> {
    const missing = parts.filter((d) => !this.parts.has(d));
    if (!missing.length) return;
    const c = await this.pool.connect();
    try {
      for (const part of missing) {
        const table = tableName(part);
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, 1000 + (part % 1_000_000)]);
        for (const s of createPartitionSql('postgres', table)) await c.query(s);
        await c.query('INSERT INTO event_partitions (part, tbl) VALUES ($1, $2) ON CONFLICT (part) DO NOTHING', [
          part,
          table,
        ]);
        await c.query('COMMIT');
        this.parts.set(part, { part, table, sealed: false, ftsHw: 0, rows: 0, lastWrite: 0, rolled: false });
      }
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async insert(events: KyokaEvent[]): Promise<{ inserted: number; duplicates: number }> {
    return this.guard(async () => {
      const byPart = rowsByPart(events, true);
      const parts = [...byPart.keys()].sort((a, b) => a - b); // fixed lock order: no deadlocks
      await this.ensurePartitions(parts);
      const now = this.opts.now();
      const c = await this.pool.connect();
      let inserted = 0;
      try {
        await c.query('BEGIN');
        const counts: number[] = [];
        for (const part of parts) {
          const p = this.parts.get(part)!;
          const rows = byPart.get(part)!;
          const r = await c.query({
            name: `kyoka_ins_${p.table}`,
            text: insertSql(p.table),
            values: [batchJson(rows)],
          });
          counts.push(r.rowCount ?? 0);
          inserted += r.rowCount ?? 0;
        }
        // registry counters last: their row locks are then held only for the commit itself
        for (let i = 0; i < parts.length; i++) {
          await c.query(
            // a late write into a rolled-up partition makes its rollup stale (rollups.ts)
            `UPDATE event_partitions SET rows = rows + $1, last_write = GREATEST(last_write, $2),
               rolled = CASE WHEN $1 > 0 THEN 0 ELSE rolled END WHERE part = $3`,
            [counts[i], now, parts[i]],
          );
        }
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        if ((err as { code?: string }).code === '42P01') this.parts.clear(); // table dropped elsewhere
        throw err;
      } finally {
        c.release();
      }
      return { inserted, duplicates: events.length - inserted };
    });
  }

  private reader: Reader = {
    dialect: 'postgres',
    partitions: () => this.parts.values(),
    ref: (p) => ({ table: p.table, start: partStart(p), end: partStart(p) + PARTITION_MS, fts: null }),
    all: async (q) => (await this.pool.query(q.sql, q.params)).rows,
  };

  async get(id: string): Promise<KyokaEvent | null> {
    return this.guard(async () => {
      await this.refresh();
      return readGet(this.reader, id);
    });
  }

  search(req: SearchRequest): Promise<SearchResult> {
    return this.guard(async () => {
      await this.refresh();
      return readSearch(this.reader, req).catch(asQueryError);
    });
  }

  top(req: TopRequest): Promise<Array<{ value: string | number; count: number }>> {
    return this.guard(async () => {
      await this.refresh();
      return readTop(this.reader, req).catch(asQueryError);
    });
  }

  histogram(req: HistogramRequest): Promise<Array<{ ts: number; count: number }>> {
    return this.guard(async () => {
      await this.refresh();
      return readHistogram(this.reader, req).catch(asQueryError);
    });
  }

  async deleteOlderThan(ts: number): Promise<number> {
    return this.guard(async () => {
      await this.refresh();
      let deleted = 0;
      for (const p of [...this.parts.values()]) {
        const start = partStart(p);
        if (start + PARTITION_MS <= ts) {
          const c = await this.pool.connect();
          try {
            await c.query('BEGIN');
            const r = await c.query('DELETE FROM event_partitions WHERE part = $1 RETURNING rows', [p.part]);
            const drop = rollupDropSql('postgres', p.part);
            await c.query(drop.sql, drop.params);
            for (const s of dropPartitionSql('postgres', p.table)) await c.query(s);
            await c.query('COMMIT');
            deleted += Number(r.rows[0]?.rows ?? 0);
          } catch (err) {
            await c.query('ROLLBACK').catch(() => {});
            throw err;
          } finally {
            c.release();
          }
          this.parts.delete(p.part);
        } else if (start < ts) {
          // straddling partition: short transactions so ingest is never held up for long
          for (;;) {
            const r = await this.pool.query(
              `WITH d AS (DELETE FROM ${p.table} WHERE ctid IN (SELECT ctid FROM ${p.table} WHERE ts < $1 LIMIT ${DELETE_CHUNK}) RETURNING 1),
                    u AS (UPDATE event_partitions SET rows = rows - (SELECT count(*) FROM d), rolled = 0 WHERE part = $2 RETURNING 1)
               SELECT (SELECT count(*) FROM d) AS n`,
              [ts, p.part],
            );
            const n = Number(r.rows[0]?.n ?? 0);
            deleted += n;
            if (n < DELETE_CHUNK) break;
          }
        }
      }
      return deleted;
    });
  }

  async maintenance(): Promise<void> {
    await this.guard(async () => {
      const c = await this.pool.connect();
      try {
        // one server seals at a time; the others skip this round
        const lock = await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NS, LOCK_MAINTENANCE]);
        if (!lock.rows[0]?.ok) return;
        try {
          await this.refresh();
          const now = this.opts.now();
          for (const p of [...this.parts.values()].sort((a, b) => a.part - b.part)) {
            if (!shouldSeal(p, now, this.opts.hotQuietMs)) continue;
            for (const s of sealSql('postgres', p.table, this.trigram)) await c.query(s);
            await c.query('UPDATE event_partitions SET sealed = 1 WHERE part = $1', [p.part]);
            p.sealed = true;
          }
          for (const p of this.parts.values()) {
            if (!p.sealed || p.rolled) continue;
            await c.query('BEGIN');
            try {
              for (const q of rollupBuildSql('postgres', p.table, p.part)) await c.query(q.sql, q.params);
              const mark = rollupMarkSql('postgres', p.part);
              p.rolled = ((await c.query(mark.sql, mark.params)).rowCount ?? 0) === 1;
              await c.query('COMMIT');
            } catch (err) {
              await c.query('ROLLBACK').catch(() => {});
              throw err;
            }
          }
        } finally {
          await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NS, LOCK_MAINTENANCE]);
        }
      } finally {
        c.release();
      }
    });
  }

  async stats(): Promise<{ events: number; bytes?: number; partitions: number }> {
    return this.guard(async () => {
      const r = await this.pool.query(
        'SELECT COALESCE(sum(rows), 0) AS events, count(*) AS parts, pg_database_size(current_database()) AS bytes FROM event_partitions',
      );
      const x = r.rows[0];
      return { events: Number(x.events), bytes: Number(x.bytes), partitions: Number(x.parts) };
    });
  }

  async close(): Promise<void> {}
}
