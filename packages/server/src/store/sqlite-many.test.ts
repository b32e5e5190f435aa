/** More hour partitions in one window than SQLite allows terms in a compound SELECT (500). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'kyoka-many-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('queries over 600 hour partitions (chunked UNION ALL, JS-merged top)', async () => {
  const H = 3_600_000;
  const t0 = Date.UTC(2024, 0, 1);
  const store = await openStore({ url: `sqlite:${join(dir, 'k.db')}`, hotQuietMs: 0, now: () => t0 + 700 * H });
  try {
    const evs = Array.from({ length: 600 }, (_, h) => ({
      id: `m${h}`,
      '@timestamp': new Date(t0 + h * H + 60_000).toISOString(),
      event: { action: h % 3 ? 'a' : 'b' },
      source: { ip: `10.0.${h % 2}.1` },
      message: h === 123 ? 'needle here' : 'hay',
    })) as KyokaEvent[];
    await store.events.insert(evs);
    const win = { from: t0, to: t0 + 600 * H };
    const q = (value: string) => ({ type: 'text', value, phrase: false, wildcard: false }) as const;
    for (const phase of ['hot', 'sealed']) {
      const all = await store.events.search({ query: { type: 'all' }, ...win, limit: 5 });
      assert.equal(all.total, 600, phase);
      assert.deepEqual((await store.events.search({ query: q('needle'), ...win, limit: 5 })).total, 1, phase);
      assert.deepEqual(await store.events.top({ field: 'event.action', query: { type: 'all' }, ...win, n: 5 }), [
        { value: 'a', count: 400 },
        { value: 'b', count: 200 },
      ]);
      assert.deepEqual(await store.events.top({ field: 'source.ip', query: { type: 'all' }, ...win, n: 1 }), [
        { value: '10.0.0.1', count: 300 },
      ]);
      const h = await store.events.histogram({ query: { type: 'all' }, ...win, intervalMs: 24 * H });
      assert.deepEqual(
        h.map((b) => b.count),
        Array(25).fill(24),
      );
      assert.equal((await store.events.get('m0'))?.id, 'm0');
      assert.equal(await store.events.get('nope'), null);
      await store.events.maintenance();
    }
    assert.equal(await store.events.deleteOlderThan(t0 + 300 * H + 30 * 60_000), 301);
    assert.equal((await store.events.stats()).partitions, 300);
  } finally {
    await store.close();
  }
});
