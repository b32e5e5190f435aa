/**
 * Store conformance suite: every backend must give exactly these answers. openFn opens the
 * SAME (initially empty) database on every call; the suite reopens it to check persistence.
 * Each query is run while partitions are hot and again after maintenance() sealed them and
 * caught up the full-text index, and the answers must not change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KyokaError, type KyokaEvent } from '@kyoka/core';
import {
  ALL_EVENTS,
  ALL_IDS,
  all,
  BAD,
  CASES,
  D1,
  D2,
  D3,
  DAY_MS,
  NAMED,
  NOISE,
  term,
  text,
  WINDOW,
} from './conformance-data.ts';
import { runLimitsConformance } from './conformance-limits.ts';
import { runMetaConformance } from './conformance-meta.ts';
import type { SearchRequest, Store } from './types.ts';

const H = 3_600_000;

function byKeyDesc(a: KyokaEvent, b: KyokaEvent): number {
  const ta = Date.parse(a['@timestamp']);
  const tb = Date.parse(b['@timestamp']);
  return tb - ta || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

async function assertBadQuery(p: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof KyokaError, `${what}: expected KyokaError, got ${String(err)}`);
    assert.equal(err.code, 'KYOKA_E_BAD_QUERY', what);
    return true;
  });
}

export function runStoreConformance(name: string, openFn: () => Promise<Store>): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;
    const snapshot = new Map<string, unknown>();

    before(async () => {
      store = await openFn();
    });
    after(async () => {
      await store?.close();
    });

    async function ids(q: SearchRequest['query'], win = WINDOW): Promise<{ ids: string[]; total: number }> {
      const r = await store.events.search({ query: q, ...win, limit: 1000 });
      const sorted = [...r.events].sort(byKeyDesc);
      assert.deepEqual(
        r.events.map((e) => e.id),
        sorted.map((e) => e.id),
        'newest first, ties by id',
      );
      assert.equal(r.cursor, null);
      return { ids: r.events.map((e) => e.id).sort(), total: r.total };
    }

    async function battery(phase: string): Promise<void> {
      for (const c of CASES) {
        const got = await ids(c.q);
        assert.deepEqual(got.ids, [...c.ids].sort(), `${phase}: ${c.name}`);
        assert.equal(got.total, c.ids.length, `${phase}: ${c.name} (total)`);
      }
    }

    async function aggregates(): Promise<Record<string, unknown>> {
      const top = (field: string, n: number, query = all, win = WINDOW) =>
        store.events.top({ field, query, n, ...win });
      const hist = (from: number, to: number, intervalMs: number, query = all) =>
        store.events.histogram({ query, from, to, intervalMs });
      return {
        action: await top('event.action', 4),
        category: await top('event.category', 10),
        status: await top('http.response.status_code', 5),
        dport: await top('destination.port', 3),
        sip: await top('source.ip', 1),
        users: await top('user.name', 5, term('event.action', 'ssh.login')),
        d1: await top('event.action', 5, all, { from: D1, to: D2 }),
        // cuts hour partitions: rollup minus the part outside, and a mostly-outside hour read live
        cut: await top('event.action', 5, all, { from: D1 + 10 * H + 1, to: D1 + 13 * H + 1_500_000 }),
        cutSip: await top('source.ip', 5, all, { from: D1 + 10 * H + 1, to: D1 + 13 * H + 1_500_000 }),
        h6: await hist(D1, D2, 6 * H),
        hday: await hist(D1, D3 + DAY_MS, DAY_MS),
        hq: await hist(D1, D3 + DAY_MS, DAY_MS, term('event.action', 'ssh.login')),
        hpart: await hist(D1 + 7 * H, D1 + 13 * H, 6 * H),
      };
    }

    it('init() is idempotent (migrations run once)', async () => {
      await store.events.init();
      await store.events.init();
      assert.deepEqual(await store.events.stats().then((s) => [s.events, s.partitions]), [0, 0]);
    });

    it('insert counts inserted and duplicates, idempotent on id', async () => {
      assert.deepEqual(await store.events.insert(NAMED.slice(0, 3)), { inserted: 3, duplicates: 0 });
      assert.deepEqual(await store.events.insert(ALL_EVENTS), { inserted: ALL_EVENTS.length - 3, duplicates: 3 });
      assert.deepEqual(await store.events.insert([NAMED[0]!, NAMED[0]!]), { inserted: 0, duplicates: 2 });
      assert.deepEqual(await store.events.insert([]), { inserted: 0, duplicates: 0 });
      assert.equal((await store.events.stats()).events, ALL_EVENTS.length);
    });

    it('rejects a batch with a bad event without storing any of it', async () => {
      const good = { ...NAMED[0]!, id: 'bad-batch-ok' };
      const bad = { ...NAMED[0]!, id: 'bad-batch-ts', '@timestamp': 'not a date' };
      await assert.rejects(
        store.events.insert([good, bad]),
        (e: unknown) => (e as KyokaError).code === 'KYOKA_E_BAD_EVENT',
      );
      assert.equal(await store.events.get('bad-batch-ok'), null);
    });

    it('data survives close and reopen; init() on an existing database changes nothing', async () => {
      await store.close();
      store = await openFn();
      await store.events.init();
      const s = await store.events.stats();
      assert.equal(s.events, ALL_EVENTS.length);
      assert.ok(s.partitions >= 4, `partitions ${s.partitions}`);
    });

    it('get() returns the stored event', async () => {
      assert.deepEqual(await store.events.get('ev04'), NAMED[3]);
      assert.deepEqual(await store.events.get('n05'), NOISE[5]);
      assert.equal(await store.events.get('nope'), null);
      assert.equal(await store.events.get("' OR 1=1 --"), null);
    });

    it('search: every query type gives exact ids (hot partitions, no full-text index yet)', async () => {
      await battery('hot');
    });

    it('rejects uncompilable queries and injection through field names', async () => {
      for (const b of BAD) await assertBadQuery(store.events.search({ query: b.q, ...WINDOW, limit: 10 }), b.name);
      await assertBadQuery(store.events.top({ field: 'a b', query: all, n: 5, ...WINDOW }), 'top field');
      await assertBadQuery(
        store.events.top({ field: "x') --", query: all, n: 5, from: 0, to: 1 }),
        'top field, no partitions',
      );
      await assertBadQuery(store.events.search({ query: all, ...WINDOW, limit: 5, cursor: 'garbage!' }), 'cursor');
      await assertBadQuery(store.events.histogram({ query: all, ...WINDOW, intervalMs: 0 }), 'interval');
      // nothing was dropped or altered
      assert.equal((await ids(all)).ids.length, ALL_IDS.length);
      assert.equal(await store.meta.countUsers(), 0);
    });

    it('cursor pagination is complete and without overlap (both orders, ties on ts)', async () => {
      const expected = [...ALL_EVENTS].sort(byKeyDesc).map((e) => e.id);
      for (const order of ['desc', 'asc'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; page < 50; page++) {
          const r = await store.events.search({ query: all, ...WINDOW, limit: 7, cursor, order });
          assert.equal(r.total, ALL_IDS.length);
          assert.ok(r.events.length <= 7);
          seen.push(...r.events.map((e) => e.id));
          cursor = r.cursor;
          if (!cursor) break;
        }
        assert.deepEqual(seen, order === 'desc' ? expected : [...expected].reverse(), order);
      }
      const noise = [...NOISE].sort(byKeyDesc).map((e) => e.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r = await store.events.search({ query: term('event.action', 'noise'), ...WINDOW, limit: 5, cursor });
        seen.push(...r.events.map((e) => e.id));
        cursor = r.cursor;
      } while (cursor);
      assert.deepEqual(seen, noise);
      const one = await store.events.search({ query: all, ...WINDOW, limit: ALL_IDS.length });
      assert.equal(one.cursor, null, 'no cursor when everything fits');
    });

    it('top and histogram', async () => {
      const a = await aggregates();
      snapshot.set('agg', a);
      assert.deepEqual(a.action, [
        { value: 'noise', count: 24 },
        { value: 'ssh.login', count: 4 },
        { value: 'http.request', count: 3 },
        { value: 'dns.query', count: 1 },
      ]);
      assert.deepEqual(a.category, [
        { value: 'authentication', count: 3 },
        { value: 'network', count: 2 },
      ]);
      assert.deepEqual(a.status, [
        { value: 200, count: 1 },
        { value: 404, count: 1 },
        { value: 500, count: 1 },
      ]);
      assert.deepEqual(a.dport, [
        { value: 22, count: 2 },
        { value: 443, count: 1 },
        { value: 3389, count: 1 },
      ]);
      assert.deepEqual(a.sip, [{ value: '10.0.0.1', count: 2 }]);
      assert.deepEqual(a.users, [
        { value: 'root', count: 3 },
        { value: 'admin', count: 1 },
      ]);
      assert.deepEqual(a.d1, [
        { value: 'noise', count: 8 },
        { value: 'ssh.login', count: 2 },
        { value: 'http.request', count: 1 },
      ]);
      const counts = (h: unknown) => (h as Array<{ ts: number; count: number }>).map((b) => [b.ts, b.count]);
      assert.deepEqual(counts(a.h6), [
        [D1, 0],
        [D1 + 6 * H, 2],
        [D1 + 12 * H, 9],
        [D1 + 18 * H, 0],
      ]);
      assert.deepEqual(counts(a.hday), [
        [D1, 11],
        [D2, 10],
        [D3, 10],
      ]);
      assert.deepEqual(counts(a.hq), [
        [D1, 2],
        [D2, 0],
        [D3, 1],
      ]);
      assert.deepEqual(counts(a.hpart), [
        [D1 + 6 * H, 2],
        [D1 + 12 * H, 1],
      ]);
      const empty = await store.events.histogram({ query: all, from: 0, to: 3 * H, intervalMs: H });
      assert.deepEqual(counts(empty), [
        [0, 0],
        [H, 0],
        [2 * H, 0],
      ]);
    });

    it('after maintenance() (sealed partitions, full-text caught up) every answer is the same', async () => {
      await store.events.maintenance();
      await store.events.maintenance(); // idempotent
      await battery('sealed');
      assert.deepEqual(await aggregates(), snapshot.get('agg'));
    });

    it('late events in a sealed partition are found at once (unindexed tail)', async () => {
      const late = {
        id: 'late1',
        '@timestamp': new Date(D1 + 15 * H).toISOString(),
        event: { action: 'late' },
        message: 'latecomer zebra',
      };
      assert.deepEqual(await store.events.insert([late as KyokaEvent]), { inserted: 1, duplicates: 0 });
      assert.deepEqual((await ids(text('zebra'))).ids, ['late1']);
      assert.deepEqual((await ids(text('latecomer zebra', true))).ids, ['late1']);
      assert.deepEqual((await ids(term('event.action', 'late'))).ids, ['late1']);
      // top over sealed, rolled-up hours counts the latecomer too (its hour's rollup is stale)
      const lateTop = () => store.events.top({ field: 'event.action', query: all, n: 10, from: D1, to: D2 });
      const withLate = [...(snapshot.get('agg') as { d1: unknown[] }).d1, { value: 'late', count: 1 }];
      assert.deepEqual(await lateTop(), withLate);
      await store.events.maintenance();
      assert.deepEqual(await lateTop(), withLate);
      assert.deepEqual((await ids(text('zebra'))).ids, ['late1']);
      assert.deepEqual((await ids(text('zeb*a', false, true))).ids, ['late1']);
    });

    it('retention drops old partitions whole and trims the straddling one', async () => {
      const initial = await store.events.stats();
      const d1Count = ALL_EVENTS.filter((e) => Date.parse(e['@timestamp']) < D2).length + 1; // + late1
      assert.equal(await store.events.deleteOlderThan(D2), d1Count);
      const after1 = await store.events.stats();
      const d1Hours = new Set(
        [...ALL_EVENTS.map((e) => Date.parse(e['@timestamp'])), D1 + 15 * H]
          .filter((t) => t < D2)
          .map((t) => Math.floor(t / H)),
      );
      assert.equal(after1.partitions, initial.partitions - d1Hours.size, 'whole hour partitions dropped');
      assert.equal(after1.events, initial.events - d1Count);
      assert.equal(await store.events.get('ev01'), null);
      assert.ok(await store.events.get('ev04'));
      // straddling: removes ev04 (D2 09:00) only
      assert.equal(await store.events.deleteOlderThan(D2 + 9.5 * H), 1);
      assert.equal(await store.events.get('ev04'), null);
      assert.deepEqual((await ids(text('Reilly'))).ids, []);
      assert.deepEqual((await ids(text('port scan', true))).ids, ['ev05']);
      assert.equal((await store.events.stats()).events, initial.events - d1Count - 1);
      // new rows after a trim are searchable before and after the next full-text catch-up
      const kiwi = {
        id: 'kiwi1',
        '@timestamp': new Date(D2 + 20 * H).toISOString(),
        event: {},
        message: 'after retention kiwi',
      };
      await store.events.insert([kiwi as KyokaEvent]);
      assert.deepEqual((await ids(text('kiwi'))).ids, ['kiwi1']);
      await store.events.maintenance();
      assert.deepEqual((await ids(text('kiwi'))).ids, ['kiwi1']);
      assert.deepEqual((await ids(text('Reilly'))).ids, []);
      assert.equal(await store.events.deleteOlderThan(D2), 0, 'nothing left to delete');
    });

    it('stores events with NUL and odd characters without failing the batch', async () => {
      const odd = {
        id: 'odd1',
        '@timestamp': new Date(D3 + 20 * H).toISOString(),
        event: { action: 'odd' },
        user: { name: 'nul\u0000user' },
        message: 'tab\tquote"backslash\\u0000 emoji 🐉 \u2028',
      };
      assert.deepEqual(await store.events.insert([odd as KyokaEvent]), { inserted: 1, duplicates: 0 });
      const got = await store.events.get('odd1');
      assert.equal(got?.message, odd.message);
      assert.deepEqual((await ids(term('event.action', 'odd'))).ids, ['odd1']);
      assert.deepEqual((await ids(text('emoji 🐉', true))).ids, ['odd1']);
    });

    runMetaConformance(() => store);
    runLimitsConformance(() => store);
  });
}
