/**
 * Own small Kysely connection for the decision tables (migration v5), like sensors/db.ts: the
 * Store interface does not expose its query builder, and these tables are off the ingest path.
 * The CLI opens the same tables directly (kyoka decisions), so a server picks its writes up
 * from decision_changes.
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

export type DecisionType = 'ban' | 'deceive' | 'reflect';
export const DECISION_TYPES: readonly DecisionType[] = ['ban', 'deceive', 'reflect'];
/** kyoka: a detection rule; manual: API/console; cscli: the command line. */
export type Origin = 'kyoka' | 'manual' | 'cscli';
export const ORIGINS: readonly Origin[] = ['kyoka', 'manual', 'cscli'];

export interface DecisionRow {
  id: number;
  uuid: string;
  value: string;
  scope: string;
  type: string;
  origin: string;
  reason: string;
  scenario: string;
  offence: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
  deleted_at: number | null;
}

export interface DecisionDB {
  decisions: Omit<DecisionRow, 'id'> & { id: import('kysely').Generated<number> };
  decision_changes: { seq: import('kysely').Generated<number>; decision_id: number; kind: string; at: number };
  bouncer_positions: { key_id: string; seq: number; pulled_at: number };
}

export type DecisionKysely = Kysely<DecisionDB>;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700 || oid === 701) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Opens a connection for the decision tables. `url` is what run.ts's storeUrl() returns. */
export function openDecisionDb(url: string): { db: DecisionKysely; dialect: 'sqlite' | 'postgres' } {
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      const pool = new pg.Pool({ connectionString: url, max: 3, types: pgTypes });
      pool.on('error', () => {});
      return { db: new Kysely<DecisionDB>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
    }
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
    if (!path || path === ':memory:')
      throw new KyokaError('KYOKA_E_BAD_CONFIG', 'decisions need a file or PostgreSQL store');
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return { db: new Kysely<DecisionDB>({ dialect: new SqliteDialect({ database: db }) }), dialect: 'sqlite' };
  } catch (err) {
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

/** Row numbers may come back as bigint-ish strings from some drivers: normalise. */
export function toRow(r: Record<string, unknown>): DecisionRow {
  return {
    id: Number(r.id),
    uuid: String(r.uuid),
    value: String(r.value),
    scope: String(r.scope),
    type: String(r.type),
    origin: String(r.origin),
    reason: String(r.reason),
    scenario: String(r.scenario),
    offence: Number(r.offence),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    expires_at: Number(r.expires_at),
    deleted_at: r.deleted_at === null || r.deleted_at === undefined ? null : Number(r.deleted_at),
  };
}
