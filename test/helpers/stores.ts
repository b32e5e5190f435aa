/**
 * Runs a store-level test body against every real backend: SQLite in a temp dir, and a throwaway
 * PostgreSQL cluster when its binaries are installed (skipped with a visible notice otherwise).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startPostgres } from './pg.ts';

export function onRealStores(title: string, exercise: (url: string) => Promise<void>): void {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  describe(title, () => {
    it('SQLite', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kyoka-stores-'));
      dirs.push(dir);
      await exercise(`sqlite:${join(dir, 'kyoka.db')}`);
    });

    it('PostgreSQL', async (t) => {
      const pg = await startPostgres();
      if (!pg) {
        t.skip('no PostgreSQL binaries on this machine');
        return;
      }
      try {
        await exercise(pg.url);
      } finally {
        await pg.stop();
      }
    });
  });
}
