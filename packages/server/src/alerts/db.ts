/**
 * Storage connection for alerts and notification channels (tables from migration v6). Like
 * sensors/db.ts, it opens its own small Kysely connection to the store's database: these
 * tables are written once per detection, not once per event, so they stay off the ingest path.
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

export interface AlertDB {
  alerts: {
    id: string;
    rule_id: string;
    rule_title: string;
    severity: string;
    tags: string;
    group_key: string;
    group_fields: string;
    group_text: string;
    status: string;
    count: number;
    first_seen: number;
    last_seen: number;
    created_at: number;
    updated_at: number;
    events: string;
    decision_id: string | null;
  };
  notification_channels: {
    id: string;
    name: string;
    type: string;
    enabled: number;
    config: string;
    filter: string;
    rate_per_min: number;
    renotify: number;
    created_at: number;
    updated_at: number;
  };
}

export type AlertKysely = Kysely<AlertDB>;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700 || oid === 701) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Opens a connection for the alert tables. `url` is what run.ts's storeUrl() returns. */
export function openAlertDb(url: string): AlertKysely {
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      const pool = new pg.Pool({ connectionString: url, max: 2, types: pgTypes });
      pool.on('error', () => {});
      return new Kysely<AlertDB>({ dialect: new PostgresDialect({ pool }) });
    }
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
    if (!path || path === ':memory:')
      throw new KyokaError('KYOKA_E_BAD_CONFIG', 'alerts need a file or PostgreSQL store');
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return new Kysely<AlertDB>({ dialect: new SqliteDialect({ database: db }) });
  } catch (err) {
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}
