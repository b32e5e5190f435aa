/**
 * Leaky buckets, as CrowdSec scenarios: one bucket per (rule, group). Pouring adds one unit;
 * the bucket leaks one unit per `leakMs` (continuously); when more than `capacity` units are
 * in it, it overflows, empties, and the group is silenced for `blackholeMs`. A `distinct`
 * bucket pours a value only once while the bucket lives. A bucket that has leaked empty
 * (and is not blackholed) is dead: it expires, so memory follows the live attackers only.
 * Bounded by `max` entries: least recently poured evicted first. Time comes from the caller.
 *
 * Layout, for high-cardinality traffic (every event of a new source creates buckets and, with
 * the store full, evicts others): one Map per rule keyed by the group value (no key string
 * built per event), and the recency order as an intrusive doubly linked list through the
 * buckets themselves (touch and evict are pointer moves; a plain Map used as LRU by delete+set
 * degrades once deleted slots pile up at its front). Evicted and dead buckets are recycled,
 * with their `distinct` Set and events array, so a steady stream of new groups allocates
 * no bucket state.
 */
import type { ThresholdSpec } from './types.ts';
import { MAX_DETECTION_EVENTS } from './types.ts';

export interface Bucket {
  level: number;
  last: number;
  count: number;
  /** Ids of the counted events: the first `n` entries (later ones are stale, see pourIn). */
  events: string[];
  n: number;
  first: string;
  /**
   * Distinct buckets: value -> the `epoch` it was poured in; a value counts as present only
   * with the current epoch, so emptying the bucket is `epoch++`, not a clear() (which
   * allocates a new table) per reset.
   */
  distinct: Map<string, number> | undefined;
  epoch: number;
  blackholeUntil: number;
  expires: number;
  /** The rule's table this bucket is in, its key there and the rule id (the table's name). */
  table: Map<string, Bucket> | undefined;
  group: string;
  rule: string;
  /** Recency list: `prev` is more recent, `next` less recent. */
  prev: Bucket | undefined;
  next: Bucket | undefined;
  /** A recycled map kept for the next distinct use of this object. */
  spareSet: Map<string, number> | undefined;
}

export interface Overflow {
  count: number;
  events: string[];
  first: string;
  last: string;
}

/** Recycled bucket objects kept at most (a burst of expiries returns many at once). */
const POOL_MAX = 4096;
/** A distinct map holding more (stale) values than this is cleared when the bucket empties. */
const DISTINCT_KEEP = 32;

/** Empties a distinct map: a new epoch, or a real clear once stale values pile up. */
function forget(b: Bucket, m: Map<string, number>): void {
  if (m.size > DISTINCT_KEEP) m.clear();
  b.epoch++;
}

/** Takes `b` out of the recency list (its own links are left for the caller to reset). */
function unlink(b: Bucket): void {
  (b.prev as Bucket).next = b.next;
  (b.next as Bucket).prev = b.prev;
}

function blank(): Bucket {
  return {
    level: 0,
    last: 0,
    count: 0,
    events: [],
    n: 0,
    first: '',
    distinct: undefined,
    epoch: 0,
    blackholeUntil: 0,
    expires: 0,
    table: undefined,
    group: '',
    rule: '',
    prev: undefined,
    next: undefined,
    spareSet: undefined,
  };
}

export class BucketStore {
  private readonly max: number;
  private readonly tables = new Map<string, Map<string, Bucket>>();
  /** Sentinel of the circular recency list: head.next is the most recent, head.prev the least. */
  private readonly head: Bucket = blank();
  private count = 0;
  private readonly pool: Bucket[] = [];
  private nextSweep = 0;
  evicted = 0;

  constructor(max: number) {
    this.max = Math.max(1, max);
    this.head.prev = this.head;
    this.head.next = this.head;
  }

  get size(): number {
    return this.count;
  }

  clear(): void {
    for (const t of this.tables.values()) t.clear();
    this.head.prev = this.head;
    this.head.next = this.head;
    this.count = 0;
  }

  /** The buckets of one rule, keyed by group value (the engine keeps it per prepared rule). */
  table(rule: string): Map<string, Bucket> {
    let t = this.tables.get(rule);
    if (t === undefined) {
      t = new Map();
      this.tables.set(rule, t);
    }
    return t;
  }

  /** Drops expired buckets at most once per `everyMs` of clock time. */
  sweep(now: number, everyMs = 10_000): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + everyMs;
    let b = this.head.next as Bucket;
    while (b !== this.head) {
      const next = b.next as Bucket;
      if (b.expires <= now) this.remove(b);
      b = next;
    }
  }

  /** Deletes buckets whose `<rule>|<group>` key starts with one of `prefixes` (rules removed or changed). */
  dropPrefixes(prefixes: string[]): void {
    if (prefixes.length === 0) return;
    let b = this.head.next as Bucket;
    while (b !== this.head) {
      const next = b.next as Bucket;
      const key = b.rule === '' ? b.group : `${b.rule}|${b.group}`;
      if (prefixes.some((p) => key.startsWith(p))) this.remove(b);
      b = next;
    }
  }

  /**
   * Pours one event into the bucket of `key` (a whole `<rule>|<group>` key). Returns the
   * overflow (the burst that crossed capacity) or undefined. `distinctValue` is undefined for
   * counting buckets.
   */
  pour(
    key: string,
    spec: ThresholdSpec,
    t: number,
    id: string,
    ts: string,
    distinctValue: string | undefined,
  ): Overflow | undefined {
    return this.pourIn(this.table(''), '', key, spec, t, id, ts, distinctValue);
  }

  /** As `pour`, into the bucket of `group` in `table` (from `table(rule)`). */
  pourIn(
    table: Map<string, Bucket>,
    rule: string,
    group: string,
    spec: ThresholdSpec,
    t: number,
    id: string,
    ts: string,
    distinctValue: string | undefined,
  ): Overflow | undefined {
    let b = table.get(group);
    if (b !== undefined) {
      if (b.expires <= t) {
        this.remove(b);
        b = undefined;
      } else this.touch(b);
    }
    const fresh = b === undefined;
    if (b === undefined) b = this.fresh(spec, t, ts);
    const now = Math.max(t, b.last);
    if (b.blackholeUntil > now) {
      if (fresh) this.insert(b, table, rule, group);
      return undefined;
    }
    b.level = Math.max(0, b.level - (now - b.last) / spec.leakMs);
    b.last = now;
    const set = b.distinct;
    if (b.level === 0) {
      b.count = 0;
      b.n = 0;
      b.first = ts;
      if (set !== undefined) forget(b, set);
    }
    let poured = true;
    if (set !== undefined) {
      if (distinctValue === undefined || set.get(distinctValue) === b.epoch) poured = false;
      else set.set(distinctValue, b.epoch);
    }
    let out: Overflow | undefined;
    if (poured) {
      b.level += 1;
      b.count += 1;
      // overwritten in place, never truncated: truncating frees the array's backing store
      // and the next push allocates one again; the stale tail is bounded by the cap
      if (b.n < MAX_DETECTION_EVENTS) b.events[b.n++] = id;
      if (b.level > spec.capacity) {
        out = { count: b.count, events: b.events.slice(0, b.n), first: b.first, last: ts };
        b.level = 0;
        b.count = 0;
        b.n = 0;
        if (set !== undefined) forget(b, set);
        b.blackholeUntil = now + spec.blackholeMs;
      }
    }
    b.expires = Math.max(b.blackholeUntil, now + b.level * spec.leakMs);
    if (b.expires > now) {
      if (fresh) this.insert(b, table, rule, group);
    } else if (!fresh) this.remove(b);
    else this.recycle(b);
    return out;
  }

  /** A new bucket's state, from the pool when one is there. */
  private fresh(spec: ThresholdSpec, t: number, ts: string): Bucket {
    const b = this.pool.pop() ?? blank();
    b.level = 0;
    b.last = t;
    b.count = 0;
    b.n = 0;
    b.first = ts;
    if (spec.distinct !== undefined) {
      const s = b.spareSet ?? new Map<string, number>();
      forget(b, s);
      b.distinct = s;
      b.spareSet = s;
    } else b.distinct = undefined;
    b.blackholeUntil = 0;
    b.expires = t;
    return b;
  }

  /** Adds `b` as the most recent, evicting the least recent bucket when full. */
  private insert(b: Bucket, table: Map<string, Bucket>, rule: string, group: string): void {
    if (this.count >= this.max) {
      const lru = this.head.prev as Bucket;
      if (lru !== this.head) {
        this.remove(lru);
        this.evicted++;
      }
    }
    b.table = table;
    b.rule = rule;
    b.group = group;
    table.set(group, b);
    this.linkFirst(b);
    this.count++;
  }

  /** Makes `b` the most recent. */
  private touch(b: Bucket): void {
    if (this.head.next === b) return;
    unlink(b);
    this.linkFirst(b);
  }

  private linkFirst(b: Bucket): void {
    const h = this.head;
    const first = h.next as Bucket;
    b.prev = h;
    b.next = first;
    first.prev = b;
    h.next = b;
  }

  private remove(b: Bucket): void {
    b.table?.delete(b.group);
    unlink(b);
    this.count--;
    this.recycle(b);
  }

  private recycle(b: Bucket): void {
    b.table = undefined;
    b.prev = undefined;
    b.next = undefined;
    b.group = '';
    b.rule = '';
    b.distinct = undefined;
    if (this.pool.length < POOL_MAX) this.pool.push(b);
  }
}
