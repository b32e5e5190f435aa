/**
 * Versioned schema migrations, one list per dialect. A migration never changes once released;
 * add a new version instead. Applied versions are recorded in kyoka_migrations, so running
 * them again is a no-op. Event partitions are not migrations: their DDL is generated per day
 * (see ddl.ts) from the same column list.
 */
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

export const SQLITE_MIGRATIONS: Migration[] = [
  { version: 1, statements: common('INTEGER') },
  { version: 2, statements: hourRegistry },
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
];

export function migrationsFor(d: Dialect): Migration[] {
  return d === 'sqlite' ? SQLITE_MIGRATIONS : PG_MIGRATIONS;
}

export const MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS kyoka_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)';
