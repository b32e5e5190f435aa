/**
 * Schema of alerts and notification channels (migration v6, wired into store/migrations.ts).
 * Times are epoch milliseconds; JSON columns hold tags, group fields, sample event ids and
 * channel settings. A channel's routing filter lives in its own row (one filter per channel),
 * so there is no separate routes table. Statements use the dialect's types; never change them
 * once released, add a new version instead.
 */
const tables = (ts: string): string[] => [
  `CREATE TABLE alerts (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, rule_title TEXT NOT NULL, severity TEXT NOT NULL,
     tags TEXT NOT NULL DEFAULT '[]', group_key TEXT NOT NULL, group_fields TEXT NOT NULL DEFAULT '{}',
     group_text TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, count ${ts} NOT NULL, first_seen ${ts} NOT NULL,
     last_seen ${ts} NOT NULL, created_at ${ts} NOT NULL, updated_at ${ts} NOT NULL, events TEXT NOT NULL DEFAULT '[]',
     decision_id TEXT)`,
  'CREATE INDEX alerts_open ON alerts (rule_id, group_key, status)',
  'CREATE INDEX alerts_last_seen ON alerts (last_seen)',
  'CREATE INDEX alerts_status ON alerts (status, last_seen)',
  `CREATE TABLE notification_channels (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
     enabled INTEGER NOT NULL DEFAULT 1, config TEXT NOT NULL, filter TEXT NOT NULL DEFAULT '{}',
     rate_per_min INTEGER NOT NULL DEFAULT 20, renotify INTEGER NOT NULL DEFAULT 0,
     created_at ${ts} NOT NULL, updated_at ${ts} NOT NULL)`,
];

export const ALERTS_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: tables('INTEGER'),
  postgres: tables('BIGINT'),
};
