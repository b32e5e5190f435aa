/**
 * Runs the conformance suite on a throwaway PostgreSQL cluster. Without PostgreSQL binaries
 * the suite is skipped with a visible notice — except under CI, where that is a failure.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startPostgres } from '../../../../test/helpers/pg.ts';
import { runStoreConformance } from './conformance.ts';
import { openStore } from './index.ts';

const pg = await startPostgres();

if (pg) {
  after(() => pg.stop());
  runStoreConformance('postgres', () => openStore({ url: pg.url, hotQuietMs: 0 }));
} else if (process.env.CI) {
  it('PostgreSQL is available for the store conformance suite', () => {
    assert.fail('PostgreSQL binaries (initdb, pg_ctl) not found, and CI is set');
  });
} else {
  describe('store conformance: postgres', () => {
    it('needs PostgreSQL', (t) => {
      const msg = 'PostgreSQL binaries (initdb, pg_ctl) not found: postgres conformance SKIPPED';
      console.warn(`\n*** ${msg} ***\n`);
      t.skip(msg);
    });
  });
}
