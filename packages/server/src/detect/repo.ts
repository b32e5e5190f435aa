/**
 * Rules stored in the database (table detection_rules, migration v7 in ./migration.ts),
 * over a small Kysely connection of its own like sensors/db.ts: the table is tiny and off the
 * ingest path. The repository stores text; compiling is the loader's job (load.ts).
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import type { Kysely } from 'kysely';
import { openFeatureDb } from '../store/feature-db.ts';
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

/** Opens a connection for the rules table. `url` is what run.ts's storeUrl() returns. */
export function openRulesDb(url: string): Kysely<RulesDB> {
  return openFeatureDb<RulesDB>(url, 'stored detection rules').db;
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
