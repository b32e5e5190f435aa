import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rng } from '@kyoka/core/testing/rng';
import Database from 'better-sqlite3';
import { rollupCandidates } from './rollups.ts';

describe('rollupCandidates (threshold top-N over per-partition counts)', () => {
  it('always contains the exact top n with exact totals (random skewed and uniform data)', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE event_rollups (field TEXT NOT NULL, part INTEGER NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
      PRIMARY KEY (field, part, value)) WITHOUT ROWID;
      CREATE INDEX event_rollups_n ON event_rollups (field, part, n)`);
    const run = async (q: { sql: string; params: unknown[] }) =>
      db.prepare(q.sql).all(...q.params) as Array<Record<string, unknown>>;
    let fetched = 0;
    const counting = async (q: { sql: string; params: unknown[] }) => {
      const rows = await run(q);
      fetched += rows.length;
      return rows;
    };
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      db.exec('DELETE FROM event_rollups');
      const parts = Array.from({ length: 2 + Math.floor(r() * 20) }, (_, i) => 1000 + i);
      const values = 5 + Math.floor(r() * 400);
      const skew = seed % 3 === 0 ? 1 : 3; // uniform, or cubic skew like attack traffic
      const truth = new Map<string, number>();
      const ins = db.prepare(
        'INSERT INTO event_rollups VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      );
      for (const part of parts) {
        const events = Math.floor(r() * 2000);
        for (let i = 0; i < events; i++) {
          const v = `v${Math.floor(values * r() ** skew)}`;
          ins.run('action', part, v, 1);
          truth.set(v, (truth.get(v) ?? 0) + 1);
        }
      }
      // live partitions: exact counts merged by the caller
      const live = new Map<unknown, number>();
      for (let i = 0; i < Math.floor(r() * 50); i++) {
        const v = `v${Math.floor(values * r() ** skew)}`;
        live.set(v, (live.get(v) ?? 0) + 1);
        truth.set(v, (truth.get(v) ?? 0) + 1);
      }
      const n = 1 + Math.floor(r() * 12);
      fetched = 0;
      const got = await rollupCandidates('sqlite', counting, 'action', parts, live, n);
      const ranked = [...truth].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const nth = ranked[Math.min(n, ranked.length) - 1]?.[1] ?? 0;
      for (const [v, c] of ranked) {
        if (c < nth) break;
        assert.equal(got.get(v), c, `seed ${seed}: ${v} must be a candidate with its exact total`);
      }
      for (const [v, c] of got) assert.equal(c, truth.get(v as string), `seed ${seed}: candidate ${v} total is exact`);
      if (skew === 3 && parts.length > 5) {
        const all = (db.prepare('SELECT count(*) AS c FROM event_rollups').get() as { c: number }).c;
        if (all > 2000) assert.ok(fetched < all / 2, `seed ${seed}: skewed data reads ${fetched} of ${all} rows`);
      }
    }
  });
});
