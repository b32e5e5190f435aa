/**
 * Schema of detection rules stored in the database (edited in the console): wired into store/migrations.ts as one version. Statements use the
 * dialect's types; never change them once released, add a new version instead.
 */
export const RULES_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: [],
  postgres: [],
};
