/**
 * PostgreSQL backend: a pg Pool shared by the event store (raw prepared SQL on the hot path)
 * and the meta store (Kysely). Same plain per-hour tables and registry as SQLite rather than
 * declarative partitioning: one partition scheme and one code path for sealing (indexes are
 * built per table when it goes quiet) and retention, and pruning is done by the registry.
 * Several servers may share the database: migrations and sealing take advisory locks.
 */
import { toKyokaError } from '@kyoka/core';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createMetaStore, type MetaDB } from './meta.ts';
import { MIGRATIONS_TABLE, PG_MIGRATIONS } from './migrations.ts';
import { LOCK_MIGRATE, LOCK_NS, PgEventStore } from './pg-events.ts';
import type { Store } from './types.ts';

export interface PgStoreOptions {
  url: string;
  hotQuietMs: number;
  now: () => number;
}

// BIGINT (ts, counts) as JS numbers: epoch ms and row counts stay far below 2^53
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v); // int8, numeric (sum())
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCK_MIGRATE]);
    await c.query(MIGRATIONS_TABLE);
    const r = await c.query('SELECT COALESCE(max(version), 0) AS v FROM kyoka_migrations');
    const current = Number(r.rows[0].v);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= current) continue;
      for (const s of m.statements) await c.query(s);
      await c.query('INSERT INTO kyoka_migrations (version, applied_at) VALUES ($1, $2)', [m.version, Date.now()]);
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw toKyokaError(err, 'KYOKA_E_STORE');
  } finally {
    c.release();
  }
}

/** pg_trgm is optional: without it free text still works, by scanning. */
async function enableTrigram(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    return true;
  } catch {
    const r = await pool.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").catch(() => ({ rowCount: 0 }));
    return (r.rowCount ?? 0) > 0;
  }
}

export async function openPgStore(opts: PgStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ connectionString: opts.url, max: 8, types });
  pool.on('error', () => {}); // idle-client errors surface on the next query instead of crashing
  const events = new PgEventStore(pool, {
    hotQuietMs: opts.hotQuietMs,
    now: opts.now,
    migrate: async () => {
      await migrate(pool);
      return enableTrigram(pool);
    },
  });
  const kysely = new Kysely<MetaDB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    events,
    meta: createMetaStore(kysely, opts.now),
    async close() {
      if (closed) return;
      closed = true;
      await kysely.destroy(); // ends the pool
    },
  };
}
