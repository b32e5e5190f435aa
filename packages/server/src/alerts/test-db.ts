/** Test helper: a migrated throwaway SQLite store and an alert DB connection to it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { type AlertKysely, openAlertDb } from './db.ts';

export async function tempAlertDb(): Promise<{ db: AlertKysely; store: Store; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-alerts-'));
  const url = `sqlite:${join(dir, 'kyoka.db')}`;
  const store = await openStore({ url });
  const db = openAlertDb(url);
  return {
    db,
    store,
    async close() {
      await db.destroy();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
