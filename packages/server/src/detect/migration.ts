/**
 * Schema of detection rules stored in the database (edited in the console): wired into store/migrations.ts as one version. Statements use the
 * dialect's types; never change them once released, add a new version instead.
 * One row per rule: its YAML (a single rule document), an enabled flag that wins over the
 * YAML's, and the update time (epoch ms). A row whose id equals a built-in rule's id replaces it.
 */
export const RULES_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: [
    `CREATE TABLE detection_rules (id TEXT PRIMARY KEY, yaml TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,
       updated_at INTEGER NOT NULL)`,
  ],
  postgres: [
    `CREATE TABLE detection_rules (id TEXT PRIMARY KEY, yaml TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,
       updated_at BIGINT NOT NULL)`,
  ],
};
