/**
 * Versioned schema migrations, one list per dialect. A migration never changes once released;
 * add a new version instead. Applied versions are recorded in kyoka_migrations, so running
 * them again is a no-op. Event partitions are not migrations: their DDL is generated per day
 * (see ddl.ts) from the same column list.
 */
import { AGENTS_MIGRATION } from '../agents/migration.ts';
import { ALERTS_MIGRATION } from '../alerts/migration.ts';
import { DECISIONS_MIGRATION } from '../decisions/migration.ts';
import { RULES_MIGRATION } from '../detect/migration.ts';
import type { Dialect } from '../search/sql-util.ts';

export interface Migration {
  version: number;
  statements: string[];
}

const common = (ts: string): string[] => [
  // partition registry: one row per day table
  `CREATE TABLE event_partitions (day INTEGER PRIMARY KEY, tbl TEXT NOT NULL, sealed INTEGER NOT NULL DEFAULT 0,
     fts_hw BIGINT NOT NULL DEFAULT 0, rows BIGINT NOT NULL DEFAULT 0, last_write BIGINT NOT NULL DEFAULT 0)`,
  `CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at ${ts} NOT NULL)`,
  `CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, prefix TEXT NOT NULL UNIQUE,
     hash TEXT NOT NULL, created_at ${ts} NOT NULL, last_used_at ${ts}, revoked_at ${ts})`,
  `CREATE TABLE sessions (id TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf TEXT NOT NULL, expires_at ${ts} NOT NULL)`,
  'CREATE INDEX sessions_expires ON sessions (expires_at)',
  'CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
];

/**
 * v2: hour partitions (events_YYYYMMDDHH) keyed by hour number, fewer columns, token full
 * text. The day-partition registry is replaced (pre-release: old day tables are not carried
 * over; they stay in the file, unregistered).
 */
const hourRegistry = [
  'DROP TABLE event_partitions',
  `CREATE TABLE event_partitions (part INTEGER PRIMARY KEY, tbl TEXT NOT NULL, sealed INTEGER NOT NULL DEFAULT 0,
     fts_hw BIGINT NOT NULL DEFAULT 0, rows BIGINT NOT NULL DEFAULT 0, last_write BIGINT NOT NULL DEFAULT 0)`,
];

/** v3: central management of honeypot sensors (packages/server/src/sensors/). */
const sensorTables = (ts: string): string[] => [
  `CREATE TABLE sensor_tokens (hash TEXT PRIMARY KEY, name TEXT, created_by TEXT NOT NULL, created_at ${ts} NOT NULL,
     expires_at ${ts} NOT NULL, used_at ${ts}, sensor_id TEXT)`,
  `CREATE TABLE sensor_templates (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
     conf TEXT NOT NULL, created_at ${ts} NOT NULL, updated_at ${ts} NOT NULL)`,
  `CREATE TABLE sensors (id TEXT PRIMARY KEY, name TEXT NOT NULL, hostname TEXT NOT NULL, version TEXT NOT NULL,
     services TEXT NOT NULL, key_id TEXT NOT NULL, template_id TEXT, config_version BIGINT NOT NULL DEFAULT 0,
     status TEXT NOT NULL, last_seen ${ts} NOT NULL, enrolled_at ${ts} NOT NULL, events_total BIGINT NOT NULL DEFAULT 0,
     events_per_min DOUBLE PRECISION NOT NULL DEFAULT 0, counters TEXT NOT NULL DEFAULT '{}')`,
  'CREATE INDEX sensors_key ON sensors (key_id)',
];

/** v4: per-partition value counts for top-N (store/rollups.ts). */
const rollupTables = (big: string): string[] => [
  'ALTER TABLE event_partitions ADD COLUMN rolled INTEGER NOT NULL DEFAULT 0',
  `CREATE TABLE event_rollups (field TEXT NOT NULL, part ${big} NOT NULL, value TEXT NOT NULL, n ${big} NOT NULL,
     PRIMARY KEY (field, part, value))${big === 'INTEGER' ? ' WITHOUT ROWID' : ''}`,
  'CREATE INDEX event_rollups_n ON event_rollups (field, part, n)',
  'CREATE INDEX event_rollups_part ON event_rollups (part)',
];

export const SQLITE_MIGRATIONS: Migration[] = [
  { version: 1, statements: common('INTEGER') },
  { version: 2, statements: hourRegistry },
  { version: 3, statements: sensorTables('INTEGER') },
  { version: 4, statements: rollupTables('INTEGER') },
  { version: 5, statements: DECISIONS_MIGRATION.sqlite },
  { version: 6, statements: ALERTS_MIGRATION.sqlite },
  { version: 7, statements: RULES_MIGRATION.sqlite },
  { version: 8, statements: AGENTS_MIGRATION.sqlite },
];

export const PG_MIGRATIONS: Migration[] = [
  {
    version: 1,
    statements: [
      ...common('BIGINT'),
      // free text: string leaves except @timestamp, one per line (same text as SQLite's leafText)
      `CREATE OR REPLACE FUNCTION kyoka_text(d jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT COALESCE(string_agg(v #>> '{}', E'\\n'), '') FROM jsonb_path_query(d - '@timestamp', 'strict $.**') v
         WHERE jsonb_typeof(v) = 'string' $$`,
      // sortable IP key, same as ip.ts: 16 bytes in hex, IPv4 mapped into ::ffff:0:0/96
      `CREATE OR REPLACE FUNCTION kyoka_ip_key(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
         DECLARE a inet;
         BEGIN
           IF s IS NULL OR position('/' in s) > 0 THEN RETURN NULL; END IF;
           a := s::inet;
           IF family(a) = 4 THEN RETURN '00000000000000000000ffff' || encode(substring(inet_send(a) from 5), 'hex'); END IF;
           RETURN encode(substring(inet_send(a) from 5), 'hex');
         EXCEPTION WHEN others THEN RETURN NULL;
         END $$`,
    ],
  },
  { version: 2, statements: hourRegistry },
  { version: 3, statements: sensorTables('BIGINT') },
  { version: 4, statements: rollupTables('BIGINT') },
  { version: 5, statements: DECISIONS_MIGRATION.postgres },
  { version: 6, statements: ALERTS_MIGRATION.postgres },
  { version: 7, statements: RULES_MIGRATION.postgres },
  { version: 8, statements: AGENTS_MIGRATION.postgres },
];

export function migrationsFor(d: Dialect): Migration[] {
  return d === 'sqlite' ? SQLITE_MIGRATIONS : PG_MIGRATIONS;
}

export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS kyoka_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)';
