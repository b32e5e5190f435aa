/**
 * Rules stored in the database (table detection_rules, migration v7 in ./migration.ts),
 * over a small Kysely connection of its own like sensors/db.ts: the table is tiny and off the
 * ingest path. The repository stores text; compiling is the loader's job (load.ts).
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { RuleSource } from './load.ts';

export interface RulesDB {
  detection_rules: { id: string; yaml: string; enabled: number; updated_at: number };
}

export type RulesKysely = Kysely<RulesDB>;

export interface StoredRule {
  id: string;
  yaml: string;
  enabled: boolean;
  updatedAt: number;
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700 || oid === 701) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Opens a connection for the rules table. `url` is what run.ts's storeUrl() returns. */
export function openRulesDb(url: string): RulesKysely {
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes });
      pool.on('error', () => {});
      return new Kysely<RulesDB>({ dialect: new PostgresDialect({ pool }) });
    }
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
    if (!path || path === ':memory:')
      throw new KyokaError('KYOKA_E_BAD_CONFIG', 'stored detection rules need a file or PostgreSQL store');
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return new Kysely<RulesDB>({ dialect: new SqliteDialect({ database: db }) });
  } catch (err) {
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KyokaError) throw err;
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

export class RuleRepo {
  constructor(
    private readonly db: RulesKysely,
    private readonly clock: () => number = Date.now,
  ) {}

  async list(): Promise<StoredRule[]> {
    const rows = await guard(() => this.db.selectFrom('detection_rules').selectAll().orderBy('id').execute());
    return rows.map((r) => ({
      id: r.id,
      yaml: r.yaml,
      enabled: Number(r.enabled) !== 0,
      updatedAt: Number(r.updated_at),
    }));
  }

  async get(id: string): Promise<StoredRule | null> {
    const r = await guard(() =>
      this.db.selectFrom('detection_rules').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return r ? { id: r.id, yaml: r.yaml, enabled: Number(r.enabled) !== 0, updatedAt: Number(r.updated_at) } : null;
  }

  /** Inserts or replaces a rule's text (validate it first with compileOne). */
  async put(id: string, yaml: string, enabled = true): Promise<StoredRule> {
    const row = { id, yaml, enabled: enabled ? 1 : 0, updated_at: this.clock() };
    await guard(() =>
      this.db
        .insertInto('detection_rules')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ yaml, enabled: row.enabled, updated_at: row.updated_at }))
        .execute(),
    );
    return { id, yaml, enabled, updatedAt: row.updated_at };
  }

  async setEnabled(id: string, enabled: boolean): Promise<boolean> {
    const r = await guard(() =>
      this.db
        .updateTable('detection_rules')
        .set({ enabled: enabled ? 1 : 0, updated_at: this.clock() })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const r = await guard(() => this.db.deleteFrom('detection_rules').where('id', '=', id).executeTakeFirst());
    return Number(r.numDeletedRows) > 0;
  }

  /** Rows as loader sources (`db:<id>`), each with its enabled flag. */
  async sources(): Promise<RuleSource[]> {
    return (await this.list()).map((r) => ({ name: `db:${r.id}`, text: r.yaml, enabled: r.enabled }));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
