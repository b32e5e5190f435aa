/**
 * Schema of agent and WAF node management (migration v8, wired into store/migrations.ts).
 * Statements use the dialect's types; never change them once released, add a new version.
 *
 * - agent_tokens: one-time enrollment tokens (SHA-256 only), each for one kind (agent | waf).
 * - agents: enrolled host agents and WAF nodes; `report` is the last heartbeat's status as JSON
 *   (cleaned and size-capped by status.ts); online/offline is computed from last_seen on read.
 */
const tables = (ts: string): string[] => [
  `CREATE TABLE agent_tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, created_by TEXT NOT NULL,
     created_at ${ts} NOT NULL, expires_at ${ts} NOT NULL, used_at ${ts}, agent_id TEXT)`,
  `CREATE TABLE agents (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, hostname TEXT NOT NULL,
     version TEXT NOT NULL, key_id TEXT NOT NULL, last_seen ${ts} NOT NULL, enrolled_at ${ts} NOT NULL,
     report TEXT NOT NULL DEFAULT '{}')`,
  'CREATE INDEX agents_key ON agents (key_id)',
];

export const AGENTS_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: tables('INTEGER'),
  postgres: tables('BIGINT'),
};
