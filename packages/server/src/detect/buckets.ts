/**
 * Leaky buckets, as CrowdSec scenarios: one bucket per (rule, group). Pouring adds one unit;
 * the bucket leaks one unit per `leakMs` (continuously); when more than `capacity` units are
 * in it, it overflows, empties, and the group is silenced for `blackholeMs`. A `distinct`
 * bucket pours a value only once while the bucket lives. A bucket that has leaked empty
 * (and is not blackholed) is dead: it expires, so memory follows the live attackers only.
 * Bounded by `max` entries (least recently poured evicted first, via lru-cache: a plain Map
 * evicting its first key degrades quadratically once deletions pile up). Time comes from the caller.
 */
import { LRUCache } from 'lru-cache';
import type { ThresholdSpec } from './types.ts';
import { MAX_DETECTION_EVENTS } from './types.ts';

export interface Bucket {
  level: number;
  last: number;
  count: number;
  events: string[];
  first: string;
  lastTs: string;
  distinct: Set<string> | undefined;
  blackholeUntil: number;
  expires: number;
}

export interface Overflow {
  count: number;
  events: string[];
  first: string;
  last: string;
}

export class BucketStore {
  private readonly map: LRUCache<string, Bucket>;
  private nextSweep = 0;
  evicted = 0;

  constructor(max: number) {
    this.map = new LRUCache<string, Bucket>({
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
    let b = this.map.get(key); // also makes it the most recently used
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
