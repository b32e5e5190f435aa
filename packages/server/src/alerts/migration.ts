/**
 * Schema of alerts, notification channels and routes: wired into store/migrations.ts as one version. Statements use the
 * dialect's types; never change them once released, add a new version instead.
 */
export const ALERTS_MIGRATION: { sqlite: string[]; postgres: string[] } = {
  sqlite: [],
  postgres: [],
};
