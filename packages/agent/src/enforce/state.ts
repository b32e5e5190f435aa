/**
 * The agent's view of live decisions and of what it last wrote to the kernel, kept incrementally
 * so one decision on top of 100k costs microseconds, not a rebuild. `stage()` turns a batch into
 * per-set diffs (host sets per key, network sets re-merged: nft refuses overlaps); `commit()`
 * makes it current after the kernel accepted the transaction, `rollback()` undoes it, so a failed
 * apply leaves both the kernel and this state as they were.
 */
import type { DecisionBatch, DecisionView } from '@kyoka/link';
import { mergeNets, type Net, parseNet, type Timed } from './addresses.ts';
import { DECISION_TYPES, SET_NAMES, type SetName } from './plan.ts';

type Type = (typeof DECISION_TYPES)[number];

export interface Live {
  type: Type;
  net: Net;
  expiresAt: number;
  set: SetName;
}

export type SetContents = Map<string, number>;
export type Desired = Map<SetName, SetContents>;

export interface SetDiff {
  set: SetName;
  /** Keys to remove (the nft script re-adds them first so an already-expired one cannot fail it). */
  del: string[];
  add: Array<[key: string, expiresAt: number]>;
}

export interface Staged {
  reset: boolean;
  diffs: SetDiff[];
  rejected: number;
  /** Keys that had no decision at all before (their connections get cut). */
  fresh: string[];
  /** A set's contents as they will be after commit. */
  contents(set: SetName): SetContents;
  commit(): void;
  rollback(): void;
}

/** Longest time the kernel is asked to hold an element; longer decisions are refreshed locally. */
export const MAX_TIMEOUT_MS = 2_147_483_000;

function decisionKey(d: DecisionView): string {
  return typeof d.uuid === 'string' && d.uuid ? d.uuid : `id:${String(d.id)}`;
}

function expiry(d: DecisionView, now: number): number | null {
  if (typeof d.remaining_ms === 'number' && Number.isFinite(d.remaining_ms)) return now + d.remaining_ms;
  const t = typeof d.expires_at === 'string' ? Date.parse(d.expires_at) : Number.NaN;
  return Number.isFinite(t) ? t : null;
}

/** Parses one decision; null when it must be refused. */
export function toLive(d: DecisionView | null | undefined, now: number): Live | null {
  const type = d?.type as Type;
  if (!d || !DECISION_TYPES.includes(type)) return null;
  const net = parseNet(d.value);
  const exp = net ? expiry(d, now) : null;
  if (!net || exp === null) return null;
  return { type, net, expiresAt: exp, set: `${type}${net.family}${net.single ? '' : 'n'}` as SetName };
}

const emptySets = (): Desired => new Map(SET_NAMES.map((n) => [n, new Map()]));

/** Decision ids naming one key: a bare string for the common single decision (no Set per key). */
type Ids = string | Set<string>;
type Index = Map<SetName, Map<string, Ids>>;
const newIndex = (): Index => new Map(SET_NAMES.map((n) => [n, new Map()]));

function linkId(index: Index, l: Live, id: string): void {
  const byKey = index.get(l.set) as Map<string, Ids>;
  const cur = byKey.get(l.net.key);
  if (cur === undefined || cur === id) byKey.set(l.net.key, id);
  else if (typeof cur === 'string') byKey.set(l.net.key, new Set([cur, id]));
  else cur.add(id);
}

function unlinkId(index: Index, l: Live, id: string): void {
  const byKey = index.get(l.set) as Map<string, Ids>;
  const cur = byKey.get(l.net.key);
  if (cur === id) byKey.delete(l.net.key);
  else if (cur instanceof Set) {
    cur.delete(id);
    if (cur.size === 0) byKey.delete(l.net.key);
  }
}

function eachId(ids: Ids | undefined): Iterable<string> {
  return ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;
}

export class DecisionTable {
  private live = new Map<string, Live>();
  /** set → key → decision ids (several decisions may name one address). */
  private index: Index = newIndex();
  written: Desired = emptySets();
  /** When a network that shadowed a longer-lived one expires, or a capped timeout runs out. */
  wakeAt: number | null = null;

  /** Turns a batch into diffs against what was written; `resync` re-derives every set (timer). */
  stage(batch: DecisionBatch, now: number, resync = false): Staged {
    return batch.reset ? this.stageReset(batch, now) : this.stageIncremental(batch, now, resync);
  }

  private wanted(set: SetName, key: string, now: number, live = this.live, index = this.index): number | undefined {
    let best: number | undefined;
    for (const id of eachId(index.get(set)?.get(key))) {
      const e = live.get(id)?.expiresAt;
      if (e !== undefined && e > now && (best === undefined || e > best)) best = e;
    }
    return best === undefined ? undefined : Math.min(best, now + MAX_TIMEOUT_MS);
  }

  private mergedNets(set: SetName, now: number, live: Map<string, Live>, index: Index) {
    const items: Timed[] = [];
    for (const ids of index.get(set)?.values() ?? []) {
      let best: Live | undefined;
      for (const id of eachId(ids)) {
        const l = live.get(id);
        if (l && l.expiresAt > now && (!best || l.expiresAt > best.expiresAt)) best = l;
      }
      if (best) items.push({ net: best.net, expiresAt: Math.min(best.expiresAt, now + MAX_TIMEOUT_MS) });
    }
    return mergeNets(items);
  }

  private stageReset(batch: DecisionBatch, now: number): Staged {
    const live = new Map<string, Live>();
    const index = newIndex();
    const desired = emptySets();
    const cap = now + MAX_TIMEOUT_MS;
    let rejected = 0;
    for (const d of Array.isArray(batch.added) ? batch.added : []) {
      const l = toLive(d, now);
      if (!l) {
        rejected++;
        continue;
      }
      if (l.expiresAt <= now) continue;
      const id = decisionKey(d);
      const prev = live.get(id);
      if (prev) unlinkId(index, prev, id);
      live.set(id, l);
      linkId(index, l, id);
      if (!l.net.single) continue;
      const out = desired.get(l.set) as SetContents;
      const e = Math.min(l.expiresAt, cap);
      if ((out.get(l.net.key) ?? 0) < e) out.set(l.net.key, e);
    }
    let wakeAt: number | null = null;
    for (const set of SET_NAMES) {
      if (!set.endsWith('n')) continue;
      const out = desired.get(set) as SetContents;
      const m = this.mergedNets(set, now, live, index);
      for (const t of m.kept) out.set(t.net.key, t.expiresAt);
      if (m.wakeAt !== null) wakeAt = Math.min(wakeAt ?? m.wakeAt, m.wakeAt);
    }
    const fresh = new Set<string>();
    for (const m of desired.values()) for (const k of m.keys()) if (!this.inOtherSets(k, now, new Map())) fresh.add(k);
    const diffs = SET_NAMES.map((set) => ({ set, del: [], add: [...(desired.get(set) as SetContents)] }));
    return {
      reset: true,
      diffs: diffs.filter((d) => d.add.length),
      rejected,
      fresh: [...fresh],
      contents: (set) => desired.get(set) as SetContents,
      commit: () => {
        this.live = live;
        this.index = index;
        this.written = desired;
        this.wakeAt = wakeAt;
      },
      rollback: () => {},
    };
  }

  private stageIncremental(batch: DecisionBatch, now: number, resync: boolean): Staged {
    const undo: Array<() => void> = [];
    const touched = new Map<SetName, Set<string>>();
    const touch = (l: Live) => {
      const s = touched.get(l.set);
      if (s) s.add(l.net.key);
      else touched.set(l.set, new Set([l.net.key]));
    };
    const drop = (id: string) => {
      const old = this.live.get(id);
      if (!old) return;
      this.live.delete(id);
      unlinkId(this.index, old, id);
      touch(old);
      undo.push(() => {
        this.live.set(id, old);
        linkId(this.index, old, id);
      });
    };
    let rejected = 0;
    for (const d of Array.isArray(batch.removed) ? batch.removed : []) if (d) drop(decisionKey(d));
    for (const d of Array.isArray(batch.added) ? batch.added : []) {
      const l = toLive(d, now);
      if (!l) {
        rejected++;
        continue;
      }
      const id = decisionKey(d);
      drop(id);
      if (l.expiresAt <= now) continue;
      this.live.set(id, l);
      linkId(this.index, l, id);
      touch(l);
      undo.push(() => {
        this.live.delete(id);
        unlinkId(this.index, l, id);
      });
    }
    if (resync) for (const set of SET_NAMES) touched.set(set, new Set(this.index.get(set)?.keys()));
    const diffs: SetDiff[] = [];
    const ops: Array<[SetName, string, number | undefined]> = [];
    let netsWake: number | null = null;
    const before = new Set<string>();
    for (const [set, keys] of touched) {
      const written = this.written.get(set) as SetContents;
      let after: SetContents;
      if (set.endsWith('n')) {
        const m = this.mergedNets(set, now, this.live, this.index);
        after = new Map(m.kept.map((t) => [t.net.key, t.expiresAt]));
        if (m.wakeAt !== null) netsWake = Math.min(netsWake ?? m.wakeAt, m.wakeAt);
        keys.clear();
        for (const k of written.keys()) keys.add(k);
        for (const k of after.keys()) keys.add(k);
      } else {
        after = new Map();
        for (const k of keys) {
          const w = this.wanted(set, k, now);
          if (w !== undefined) after.set(k, w);
        }
      }
      const d: SetDiff = { set, del: [], add: [] };
      for (const k of keys) {
        const had = written.get(k);
        const want = after.get(k);
        const hadLive = had !== undefined && had > now;
        if (hadLive) before.add(k);
        if (want === undefined) {
          if (hadLive) d.del.push(k);
          if (had !== undefined) ops.push([set, k, undefined]);
        } else if (!hadLive) {
          d.add.push([k, want]);
          ops.push([set, k, want]);
        } else if (Math.abs(want - (had as number)) > 1000) {
          d.del.push(k);
          d.add.push([k, want]);
          ops.push([set, k, want]);
        }
      }
      if (d.del.length || d.add.length) diffs.push(d);
    }
    const fresh = diffs
      .flatMap((d) => d.add.map(([k]) => k))
      .filter((k) => !before.has(k) && !this.inOtherSets(k, now, touched));
    return {
      reset: false,
      diffs,
      rejected,
      fresh: [...new Set(fresh)],
      contents: (set) => {
        const mine = ops.filter((o) => o[0] === set);
        const base = this.written.get(set) as SetContents;
        if (!mine.length) return base;
        const c = new Map(base);
        for (const [, k, e] of mine) e === undefined ? c.delete(k) : c.set(k, e);
        return c;
      },
      commit: () => {
        for (const [set, k, e] of ops) {
          const m = this.written.get(set) as SetContents;
          if (e === undefined) m.delete(k);
          else m.set(k, e);
        }
        const hasNets = [...touched.keys()].some((s) => s.endsWith('n'));
        if (hasNets || resync) this.wakeAt = netsWake;
        if (resync) this.sweep(now);
      },
      rollback: () => {
        for (const u of undo.reverse()) u();
      },
    };
  }

  private inOtherSets(key: string, now: number, touched: Map<SetName, Set<string>>): boolean {
    for (const [set, m] of this.written) {
      if (touched.has(set)) continue;
      const e = m.get(key);
      if (e !== undefined && e > now) return true;
    }
    return false;
  }

  /** Forgets expired decisions (the kernel already dropped them). */
  sweep(now: number): void {
    for (const [id, l] of this.live)
      if (l.expiresAt <= now) {
        this.live.delete(id);
        unlinkId(this.index, l, id);
      }
    for (const m of this.written.values()) for (const [k, e] of m) if (e <= now) m.delete(k);
  }

  /** Elements per decision type (expired ones leave at the next sweep, within a minute). */
  counts(): { ban: number; deceive: number; reflect: number } {
    const c = { ban: 0, deceive: 0, reflect: 0 };
    for (const [name, m] of this.written) c[name.replace(/[46]n?$/, '') as Type] += m.size;
    return c;
  }
}
