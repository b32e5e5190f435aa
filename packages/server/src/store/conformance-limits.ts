/**
 * Search limits part of the conformance suite: queries at the compiler's size limit, field names
 * that are Object.prototype members, and pages of very large stored events. Its events live in
 * their own days (2031), away from the main suite's windows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaError, KyokaEvent } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { MAX_PREDICATES } from '../search/compile.ts';
import { all, term, wild } from './conformance-data.ts';
import { HIT_FIELD_MAX_CHARS, PAGE_MAX_BYTES, PAGE_READ_MAX_BYTES, truncatedMarker } from './search-page.ts';
import type { Store } from './types.ts';

const H = 3_600_000;
const T0 = Date.UTC(2031, 0, 1);
/** 30 hour partitions of small events, then the large ones in the day after. */
const SMALL = { from: T0, to: T0 + 30 * H };
const LARGE = { from: T0 + 48 * H, to: T0 + 49 * H };

const words = (n: number, w = 'alpha'): QueryNode => ({
  type: 'and',
  children: Array.from({ length: n }, () => ({ type: 'text', value: w, phrase: false, wildcard: false })),
});

function ev(id: string, ts: number, rest: Record<string, unknown>): KyokaEvent {
  return { id, '@timestamp': new Date(ts).toISOString(), event: { kind: 'event' }, ...rest } as KyokaEvent;
}

const isBadQuery = (e: unknown) => (e as KyokaError).code === 'KYOKA_E_BAD_QUERY';

export function runLimitsConformance(store: () => Store): void {
  describe('search limits', () => {
    it('long queries answer over many partitions; past MAX_PREDICATES (999 words) they are bad queries', async () => {
      const s = store().events;
      const evs = Array.from({ length: 30 }, (_, i) =>
        ev(`lim-w${String(i).padStart(2, '0')}`, T0 + i * H + 1000, {
          message: 'alpha beta',
          event: { kind: 'event', action: 'lim.words' },
        }),
      );
      await s.insert(evs);
      for (const phase of ['hot', 'sealed']) {
        if (phase === 'sealed') await s.maintenance();
        // 100 words: a few partitions per statement (the old single statement took seconds)
        const r = await s.search({ query: words(100), ...SMALL, limit: 100 });
        assert.equal(r.total, 30, phase);
        assert.equal(r.events.length, 30, phase);
        // as many clauses as allowed, joined with or (a flat OR chain is SQLite's deep tree)
        const ors: QueryNode = {
          type: 'or',
          children: Array.from({ length: MAX_PREDICATES }, (_, i) => ({
            type: 'term',
            field: 'event.action',
            value: i === MAX_PREDICATES - 1 ? 'lim.words' : `nope${i}`,
            phrase: false,
            wildcard: false,
          })),
        };
        assert.equal((await s.search({ query: ors, ...SMALL, limit: 1 })).total, 30, phase);
        const top = await s.top({ field: 'event.action', query: words(100), ...SMALL, n: 3 });
        assert.deepEqual(top, [{ value: 'lim.words', count: 30 }], phase);
        const hist = await s.histogram({ query: words(100), ...SMALL, intervalMs: 10 * H });
        assert.deepEqual(
          hist.map((b) => b.count),
          [10, 10, 10],
          phase,
        );
      }
      for (const n of [MAX_PREDICATES + 1, 999]) {
        await assert.rejects(s.search({ query: words(n), ...SMALL, limit: 10 }), isBadQuery);
        await assert.rejects(s.top({ field: 'event.action', query: words(n), ...SMALL, n: 3 }), isBadQuery);
        await assert.rejects(s.histogram({ query: words(n), ...SMALL, intervalMs: H }), isBadQuery);
      }
      // free text counts words, not nodes
      const sentence: QueryNode = {
        type: 'text',
        value: Array(999).fill('alpha').join(' '),
        phrase: false,
        wildcard: false,
      };
      await assert.rejects(s.search({ query: sentence, ...SMALL, limit: 10 }), isBadQuery);
    });

    it('Object.prototype member names are ordinary fields', async () => {
      const s = store().events;
      await s.insert([ev('lim-proto', T0 + 2 * H + 5000, { constructor: 'x', toString: 'y' })]);
      const ids = async (q: QueryNode) => (await s.search({ query: q, ...SMALL, limit: 100 })).events.map((e) => e.id);
      assert.deepEqual(await ids(term('constructor', 'x')), ['lim-proto']);
      assert.deepEqual(await ids(wild('toString', 'y*')), ['lim-proto']);
      assert.deepEqual(await ids({ type: 'exists', field: 'toString' }), ['lim-proto']);
      for (const f of ['__proto__', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
        assert.deepEqual(await ids(term(f, 'x')), [], f);
        assert.deepEqual(await ids({ type: 'exists', field: f }), [], f);
        assert.deepEqual(await ids({ type: 'range', field: f, op: 'gt', value: '1' }), [], f);
        assert.deepEqual(await s.top({ field: f, query: all, ...SMALL, n: 5 }), [], f);
      }
      assert.deepEqual(await s.top({ field: 'constructor', query: all, ...SMALL, n: 5 }), [{ value: 'x', count: 1 }]);
      assert.deepEqual(await s.top({ field: 'toString', query: all, ...SMALL, n: 5 }), [{ value: 'y', count: 1 }]);
    });

    it('pages of huge events stay bounded: long strings cut with a marker, bytes capped, nothing skipped', async () => {
      const s = store().events;
      const t = LARGE.from;
      const huge = 'm'.repeat(3 * 1024 * 1024);
      // 100 values of 50 000 characters: 5 MB that cutting long strings does not shrink
      const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, `${i}`.padEnd(50_000, 'w')]));
      await s.insert([
        ev('lim-l2', t + 1000, { kyoka: { wide } }),
        ev('lim-l1', t + 2000, { kyoka: { wide } }),
        ev('lim-m1', t + 3000, { message: huge, tags: [huge] }),
        ev('lim-s1', t + 4000, { message: 'small' }),
      ]);
      const p1 = await s.search({ query: all, ...LARGE, limit: 100 });
      assert.equal(p1.total, 4);
      assert.deepEqual(
        p1.events.map((e) => e.id),
        ['lim-s1', 'lim-m1', 'lim-l1'],
      );
      assert.ok(p1.cursor, 'the page stopped at its byte budget: a cursor continues it');
      const m1 = p1.events[1] as KyokaEvent & { tags: string[] };
      const marker = truncatedMarker(huge.length);
      assert.equal(m1.message, huge.slice(0, HIT_FIELD_MAX_CHARS) + marker);
      assert.equal(m1.tags[0], huge.slice(0, HIT_FIELD_MAX_CHARS) + marker);
      assert.ok(JSON.stringify(p1.events).length < PAGE_MAX_BYTES);
      assert.deepEqual(
        (p1.events[2] as unknown as { kyoka: { wide: unknown } }).kyoka.wide,
        wide,
        'short strings are whole',
      );
      const p2 = await s.search({ query: all, ...LARGE, limit: 100, cursor: p1.cursor });
      assert.deepEqual(
        p2.events.map((e) => e.id),
        ['lim-l2'],
      );
      assert.equal(p2.cursor, null);
      // ascending order pages the same way
      const a1 = await s.search({ query: all, ...LARGE, limit: 100, order: 'asc' });
      assert.deepEqual(
        a1.events.map((e) => e.id),
        ['lim-l2'],
      );
      const a2 = await s.search({ query: all, ...LARGE, limit: 100, order: 'asc', cursor: a1.cursor });
      assert.deepEqual(
        a2.events.map((e) => e.id),
        ['lim-l1', 'lim-m1', 'lim-s1'],
      );
      // the limit still counts too, and get() returns the whole event
      const one = await s.search({ query: all, ...LARGE, limit: 2 });
      assert.deepEqual(
        one.events.map((e) => e.id),
        ['lim-s1', 'lim-m1'],
      );
      assert.ok(one.cursor);
      assert.equal((await s.get('lim-m1'))?.message, huge);
    });
    it('a page stops after PAGE_READ_MAX_BYTES of stored events, however small they become', async () => {
      const s = store().events;
      const t = LARGE.from + 10 * 60_000;
      const win = { from: t, to: t + 60_000 };
      // three events whose message alone is 3/8 of the read budget: two per page
      const msg = 'r'.repeat((PAGE_READ_MAX_BYTES * 3) / 8);
      for (const i of [1, 2, 3]) await s.insert([ev(`lim-r${i}`, t + i * 1000, { message: msg })]);
      const p1 = await s.search({ query: all, ...win, limit: 100 });
      assert.deepEqual(
        p1.events.map((e) => e.id),
        ['lim-r3', 'lim-r2'],
      );
      assert.ok(p1.cursor);
      const p2 = await s.search({ query: all, ...win, limit: 100, cursor: p1.cursor });
      assert.deepEqual(
        p2.events.map((e) => e.id),
        ['lim-r1'],
      );
      assert.equal(p2.cursor, null);
    });
  });
}
