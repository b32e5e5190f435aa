/**
 * Schema of decisions, escalation history, bouncer pull positions: wired into store/migrations.ts as one version. Statements use the
 * dialect's types; never change them once released, add a new version instead.
 *
 * - decisions: every decision ever made (soft-deleted: deleted_at), so the rows are also the
 *   escalation history; `offence` is the n-th decision for the value within the window. The
 *   partial unique index keeps one live decision per value+type (merges extend it instead).
 * - decision_changes: append-only change log; `seq` orders the bouncer deltas, the push
 *   stream's event ids and lets a running server pick up what the CLI (or another server) wrote.
 * - bouncer_positions: per API key, the last change seq a CrowdSec bouncer has pulled.
 */
const decisions = (id: string, big: string): string[] => [
  `CREATE TABLE decisions (id ${id}, uuid TEXT NOT NULL UNIQUE, value TEXT NOT NULL, scope TEXT NOT NULL,
     type TEXT NOT NULL, origin TEXT NOT NULL, reason TEXT NOT NULL, scenario TEXT NOT NULL,
     offence INTEGER NOT NULL DEFAULT 1, created_at ${big} NOT NULL, updated_at ${big} NOT NULL,
     expires_at ${big} NOT NULL, deleted_at ${big})`,
  'CREATE UNIQUE INDEX decisions_live ON decisions (value, type) WHERE deleted_at IS NULL',
  'CREATE INDEX decisions_value ON decisions (value, created_at)',
  'CREATE INDEX decisions_deleted ON decisions (deleted_at)',
  `CREATE TABLE decision_changes (seq ${id}, decision_id ${big} NOT NULL, kind TEXT NOT NULL, at ${big} NOT NULL)`,
  'CREATE INDEX decision_changes_at ON decision_changes (at)',
  `CREATE TABLE bouncer_positions (key_id TEXT PRIMARY KEY, seq ${big} NOT NULL, pulled_at ${big} NOT NULL)`,
];

export const DECISIONS_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: decisions('INTEGER PRIMARY KEY AUTOINCREMENT', 'INTEGER'),
  postgres: decisions('BIGSERIAL PRIMARY KEY', 'BIGINT'),
};
