/**
 * The Kysely connection of a feature's own tables (sensors, decisions, alerts, stored rules),
 * on the configured store. SQLite: every feature shares ONE connection per database file. Two
 * connections of one process whose transactions interleave at await points lock each other out
 * (better-sqlite3 waits synchronously for busy_timeout, freezing the event loop, then fails);
 * one connection runs their statements in turn instead. Reference-counted: the file closes
 * when the last feature closes. The event store keeps its own connection (synchronous writes).
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

// BIGINT, NUMERIC and DOUBLE come back as strings from pg; the features count with numbers
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700 || oid === 701) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const shared = new Map<string, { db: Database.Database; users: number; stmts: Map<string, Database.Statement> }>();
/** Distinct statements kept prepared per database (the features issue a few dozen shapes). */
const MAX_STATEMENTS = 512;

function sqliteHandle(path: string) {
  let s = shared.get(path);
  if (!s) {
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    s = { db, users: 0, stmts: new Map() };
    shared.set(path, s);
  }
  s.users++;
  const entry = s;
  let closed = false;
  return {
    // Kysely prepares every query afresh; compiling the same SQL again was ~5 % of the server's
    // CPU per decision. A statement still being iterated is busy: that caller gets a fresh one.
    prepare(sql: string) {
      const cached = entry.stmts.get(sql);
      if (cached && !cached.busy) return cached;
      const stmt = entry.db.prepare(sql);
      if (!cached) {
        if (entry.stmts.size >= MAX_STATEMENTS) entry.stmts.clear();
        entry.stmts.set(sql, stmt);
      }
      return stmt;
    },
    close() {
      if (closed) return;
      closed = true;
      if (--entry.users === 0) {
        shared.delete(path);
        entry.db.close();
      }
    },
  };
}

/** `what` names the feature in the error for an in-memory store. */
export function openFeatureDb<DB>(
  url: string,
  what: string,
  poolMax = 2,
): { db: Kysely<DB>; dialect: 'sqlite' | 'postgres' } {
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      const pool = new pg.Pool({ connectionString: url, max: poolMax, types: pgTypes });
      pool.on('error', () => {});
      return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
    }
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
    if (!path || path === ':memory:')
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `${what} need a file or PostgreSQL store`);
    return { db: new Kysely<DB>({ dialect: new SqliteDialect({ database: sqliteHandle(path) }) }), dialect: 'sqlite' };
  } catch (err) {
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}
