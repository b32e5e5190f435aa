/**
 * The bucket store's flat layout (per-rule tables, intrusive LRU list, recycled buckets and
 * distinct maps) against the store it replaced, kept here verbatim as the reference: the same
 * overflows, at the same pours, with the same live and evicted counts, over seeded random
 * traffic that evicts, expires, blackholes, sweeps and drops rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rng } from '@kyoka/core/testing/rng';
import { LRUCache } from 'lru-cache';
import { type Bucket, BucketStore, type Overflow } from './buckets.ts';
import type { ThresholdSpec } from './types.ts';
import { MAX_DETECTION_EVENTS } from './types.ts';

interface RefBucket
  extends Omit<Bucket, 'distinct' | 'table' | 'group' | 'rule' | 'prev' | 'next' | 'spareSet' | 'n' | 'epoch'> {
  distinct: Set<string> | undefined;
  lastTs: string;
}

/** The store before the flat layout (lru-cache, one string key per rule and group), verbatim. */
class ReferenceStore {
  private readonly map: LRUCache<string, RefBucket>;
  private nextSweep = 0;
  evicted = 0;

  constructor(max: number) {
    this.map = new LRUCache<string, RefBucket>({
      max,
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.evicted++;
      },
    });
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }

  /** Drops expired buckets at most once per `everyMs` of clock time. */
  sweep(now: number, everyMs = 10_000): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + everyMs;
    const dead: string[] = [];
    for (const [k, b] of this.map.entries()) if (b.expires <= now) dead.push(k);
    for (const k of dead) this.map.delete(k);
  }

  /** Deletes buckets whose key starts with one of `prefixes` (rules removed or changed). */
  dropPrefixes(prefixes: string[]): void {
    if (prefixes.length === 0) return;
    const dead = [...this.map.keys()].filter((k) => prefixes.some((p) => k.startsWith(p)));
    for (const k of dead) this.map.delete(k);
  }

  /**
   * Pours one event. Returns the overflow (the burst that crossed capacity) or undefined.
   * `distinctValue` is undefined for counting buckets.
   */
  pour(
    key: string,
    spec: ThresholdSpec,
    t: number,
    id: string,
    ts: string,
    distinctValue: string | undefined,
  ): Overflow | undefined {
    let b: RefBucket | undefined = this.map.get(key); // also makes it the most recently used
    let fresh = false;
    if (b !== undefined && b.expires <= t) {
      this.map.delete(key);
      b = undefined;
    }
    if (b === undefined) {
      fresh = true;
      b = {
        level: 0,
        last: t,
        count: 0,
        events: [],
        first: ts,
        lastTs: ts,
        distinct: spec.distinct !== undefined ? new Set() : undefined,
        blackholeUntil: 0,
        expires: t,
      };
    }
    const now = Math.max(t, b.last);
    if (b.blackholeUntil > now) {
      if (fresh) this.map.set(key, b);
      return undefined;
    }
    b.level = Math.max(0, b.level - (now - b.last) / spec.leakMs);
    b.last = now;
    if (b.level === 0) {
      b.count = 0;
      b.events = [];
      b.first = ts;
      b.distinct?.clear();
    }
    let poured = true;
    if (b.distinct !== undefined) {
      if (distinctValue === undefined || b.distinct.has(distinctValue)) poured = false;
      else b.distinct.add(distinctValue);
    }
    let out: Overflow | undefined;
    if (poured) {
      b.level += 1;
      b.count += 1;
      if (b.events.length < MAX_DETECTION_EVENTS) b.events.push(id);
      b.lastTs = ts;
      if (b.level > spec.capacity) {
        out = { count: b.count, events: b.events, first: b.first, last: ts };
        b.level = 0;
        b.count = 0;
        b.events = [];
        b.distinct?.clear();
        b.blackholeUntil = now + spec.blackholeMs;
      }
    }
    b.expires = Math.max(b.blackholeUntil, now + b.level * spec.leakMs);
    // A bucket already in the map was mutated in place (and made most recent by get).
    if (b.expires > now) {
      if (fresh) this.map.set(key, b);
    } else if (!fresh) this.map.delete(key);
    return out;
  }
}

const RULES: Array<[string, ThresholdSpec]> = [
  ['bf', { capacity: 3, leakMs: 1000, blackholeMs: 5000, groupby: ['source.ip'] }],
  ['users', { capacity: 4, leakMs: 3000, blackholeMs: 20_000, groupby: ['source.ip'], distinct: ['user.name'] }],
  ['ports', { capacity: 2, leakMs: 500, blackholeMs: 0, groupby: ['source.ip'], distinct: ['destination.port'] }],
  ['big', { capacity: 150, leakMs: 100, blackholeMs: 1000, groupby: ['source.ip'] }],
];

function same(a: Overflow | undefined, b: Overflow | undefined, at: string): void {
  assert.deepEqual(a, b, at);
}

describe('bucket store: flat layout = reference store', () => {
  for (const [seed, max, groups] of [
    [1, 50, 40],
    [2, 60, 70],
    [3, 1000, 30],
    [4, 7, 12],
  ] as const) {
    it(`seed ${seed}: max ${max}, ${groups} groups`, () => {
      const r = rng(seed);
      const ref = new ReferenceStore(max);
      const store = new BucketStore(max);
      const tables = RULES.map(([id]) => store.table(id));
      let t = 1_000_000;
      let overflows = 0;
      for (let i = 0; i < 40_000; i++) {
        t += Math.floor(r() * r() * 400);
        const k = Math.floor(r() * RULES.length);
        const [id, spec] = RULES[k] as [string, ThresholdSpec];
        const g = `10.0.0.${Math.floor(r() * r() * groups)}`;
        const dv = r() < 0.05 ? undefined : `v${Math.floor(r() * 6)}`;
        const want = ref.pour(`${id}|${g}`, spec, t, `e${i}`, `ts${i}`, spec.distinct ? dv : undefined);
        const got = store.pourIn(
          tables[k] as Map<string, Bucket>,
          id,
          g,
          spec,
          t,
          `e${i}`,
          `ts${i}`,
          spec.distinct ? dv : undefined,
        );
        same(got, want, `pour ${i}`);
        if (want) overflows++;
        if (i % 997 === 0) {
          ref.sweep(t, 3000);
          store.sweep(t, 3000);
        }
        if (i % 10_007 === 5000) {
          ref.dropPrefixes(['users|']);
          store.dropPrefixes(['users|']);
        }
        assert.equal(store.size, ref.size, `size after pour ${i}`);
        assert.equal(store.evicted, ref.evicted, `evicted after pour ${i}`);
      }
      assert.ok(overflows > 0, `overflows: ${overflows}`);
      console.log(`seed ${seed}: ${overflows} overflows, ${store.evicted} evicted`);
    });
  }

  it('string keys (pour) as before, dropped by prefix', () => {
    const spec = RULES[0]?.[1] as ThresholdSpec;
    const s = new BucketStore(10);
    for (let i = 0; i < 4; i++) s.pour('r|a', spec, 0, `e${i}`, 't', undefined);
    assert.equal(s.size, 1);
    s.pour('q|a', spec, 0, 'x', 't', undefined);
    s.dropPrefixes(['r|']);
    assert.equal(s.size, 1);
    assert.equal(s.pour('r|a', spec, 0, 'y', 't', undefined), undefined, 'dropped bucket starts empty');
  });

  it('a recycled bucket forgets its distinct values and event ids', () => {
    const spec = RULES[1]?.[1] as ThresholdSpec;
    const s = new BucketStore(1);
    const tab = s.table('users');
    for (const v of ['a', 'b', 'c']) s.pourIn(tab, 'users', 'x', spec, 0, `old-${v}`, 't', v);
    s.pourIn(tab, 'users', 'y', spec, 0, 'evicts-x', 't', 'z'); // max 1: x is evicted and recycled
    assert.equal(s.evicted, 1);
    let o: Overflow | undefined;
    for (const v of ['a', 'b', 'c', 'd', 'e']) o = s.pourIn(tab, 'users', 'x', spec, 0, `new-${v}`, 't', v);
    assert.deepEqual(o?.events, ['new-a', 'new-b', 'new-c', 'new-d', 'new-e']);
    assert.equal(o?.count, 5);
  });
});
