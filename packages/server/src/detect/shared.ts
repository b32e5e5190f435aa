/**
 * Shared atom evaluation for the engine: the plans of all loaded rules compiled together, so
 * work common to many rules is done once per event instead of once per rule.
 *  - Atoms with the same key (same field, modifiers and value) are one atom, evaluated at
 *    most once per event (memoized by a generation stamp: no per-event allocation).
 *  - Literal atoms of one field are decided together: every case-insensitive equality of a
 *    field by one Map lookup of the lower-cased value; every contains / startswith /
 *    endswith / wildcard of a field (or of the keyword fields) first by one combined RegExp
 *    (start-anchored alternatives in one, the rest in another); every CIDR of a field first
 *    by one scan of the union of ranges. When the combined test fails (the usual case: rules
 *    rarely match) all of them are false without running their own tests.
 *  - Conditions are closures (plan.ts) with AND / OR children ordered cheapest first.
 *  - Each rule gets a gate (see Gate) from its necessary literals, so rules that share
 *    one (e.g. all rules testing prefixes of user.name) are skipped together.
 * The predicates are only valid between `begin()` calls: call it before each event.
 */
import type { KyokaEvent } from '@kyoka/core';
import type { Getter } from './fields.ts';
import { addRangesTo, emptyRanges, type IpRanges, inRanges } from './ip-range.ts';
import { keywordGetters, lowerText } from './matchers.ts';
import { compilePlan, planAtoms } from './plan.ts';
import type { Atom, EventPredicate, PlanNode } from './types.ts';

/**
 * A cheap necessary condition of a rule: when it is closed (`open` false) the rule cannot
 * match. Rules with the same `key` share one gate, so the engine skips them all at once.
 */
export interface Gate {
  key: string;
  /** Test groups (may any of their atoms hold?) and eq atoms (do they hold?): any open it. */
  tests: Int32Array;
  eqs: Int32Array;
  /** Only equalities on event.action / dataset / category: mostly what the index already checks. */
  prefilterOnly: boolean;
}

export interface SharedPlans {
  /** One predicate per plan, in order. */
  preds: EventPredicate[];
  /** One gate per plan (undefined when none is known). */
  gates: Array<Gate | undefined>;
  /** Starts a new event: forgets every memoized result. */
  begin(): void;
  /** Is the gate open for `ev` (could its rules match)? Plain data, one function: no closures. */
  open(gate: Gate, ev: KyokaEvent): boolean;
  /** Distinct atoms after sharing (for stats and tests). */
  atoms: number;
}

interface EqGroup {
  get: Getter;
  byValue: Map<string, number[]>;
}

interface TestGroup {
  get: Getter;
  keyword: boolean;
  anchored: string[];
  free: string[];
  ranges: IpRanges;
  reA?: RegExp;
  reF?: RegExp;
  /** ASCII codes an anchored alternative can start with (undefined: any character). */
  first?: Uint8Array;
  cidr: boolean;
}

const GEN_MAX = 0x3fffffff;

/** Combined test of a text group: could any member match `t` (lower-cased text)? */
function textMay(g: TestGroup, t: string): boolean {
  if (g.reA !== undefined) {
    const c = t.charCodeAt(0); // NaN for '' (then the regex decides)
    if ((g.first === undefined || !(c < 128) || g.first[c] === 1) && g.reA.test(t)) return true;
  }
  return g.reF?.test(t) === true;
}

/** The first-character table of start-anchored alternatives, when each starts with a literal. */
function firstChars(alts: string[]): Uint8Array | undefined {
  const first = new Uint8Array(128);
  for (const a of alts) {
    // a literal is one character or a backslash-escaped one; `.` (from `?` / `*`) is any
    const c = a[0] === '\\' ? a[1] : a[0] === '.' || a[0] === '$' ? undefined : a[0];
    if (c === undefined) return undefined;
    const code = c.charCodeAt(0);
    if (code >= 128) return undefined;
    first[code] = 1;
  }
  return first;
}

function valueMay(g: TestGroup, v: unknown): boolean {
  if (g.cidr) return inRanges(g.ranges, v);
  const t = lowerText(v);
  return t !== undefined && textMay(g, t);
}

export function compileShared(plans: PlanNode[]): SharedPlans {
  const ids = new Map<string, number>();
  const atoms: Atom[] = [];
  for (const p of plans)
    for (const a of planAtoms(p))
      if (!ids.has(a.key)) {
        ids.set(a.key, atoms.length);
        atoms.push(a);
      }
  const n = atoms.length;
  const stamp = new Int32Array(n);
  const val = new Uint8Array(n);
  const eqGroups: EqGroup[] = [];
  const testGroups: TestGroup[] = [];
  const groupOf = new Int32Array(n).fill(-1);
  const byGroupKey = new Map<string, number>();

  for (let id = 0; id < n; id++) {
    const a = atoms[id] as Atom;
    if (!a.lit || !a.field) continue;
    const gk = `${a.lit.kind === 'eq' ? 'eq' : a.lit.kind}\u0000${a.field.key}`;
    let gi = byGroupKey.get(gk);
    if (a.lit.kind === 'eq') {
      if (a.field.keyword) continue;
      if (gi === undefined) {
        gi = eqGroups.length;
        eqGroups.push({ get: a.field.get, byValue: new Map() });
        byGroupKey.set(gk, gi);
      }
      const m = (eqGroups[gi] as EqGroup).byValue;
      const list = m.get(a.lit.value);
      if (list) list.push(id);
      else m.set(a.lit.value, [id]);
    } else {
      if (gi === undefined) {
        gi = testGroups.length;
        const cidr = a.lit.kind === 'cidr';
        testGroups.push({
          get: a.field.get,
          keyword: a.field.keyword,
          anchored: [],
          free: [],
          ranges: emptyRanges(),
          cidr,
        });
        byGroupKey.set(gk, gi);
      }
      const g = testGroups[gi] as TestGroup;
      if (a.lit.kind === 'cidr') addRangesTo(g.ranges, a.lit.ranges);
      else if (a.lit.src.startsWith('^')) g.anchored.push(a.lit.src.slice(1));
      else g.free.push(a.lit.src);
    }
    groupOf[id] = gi;
  }
  for (const g of testGroups) {
    if (g.anchored.length > 0) {
      g.reA = new RegExp(`^(?:${g.anchored.join('|')})`, 's');
      g.first = firstChars(g.anchored);
    }
    if (g.free.length > 0) g.reF = new RegExp(g.free.join('|'), 's');
  }
  const eqStamp = new Int32Array(eqGroups.length);
  const testStamp = new Int32Array(testGroups.length);
  const testVal = new Uint8Array(testGroups.length);
  let gen = 1;

  /** Marks the eq atoms of group `gi` that hold for `ev` (stamp = gen means true). */
  function evalEq(gi: number, ev: KyokaEvent): void {
    eqStamp[gi] = gen;
    const g = eqGroups[gi] as EqGroup;
    const v = g.get(ev);
    if (Array.isArray(v)) {
      // indexed loops: a for-of here allocated an iterator per event when not inlined
      for (let i = 0; i < v.length; i++) mark(g.byValue.get(lowerText(v[i]) as string));
    } else if (v !== undefined) mark(g.byValue.get(lowerText(v) as string));
  }
  function mark(list: number[] | undefined): void {
    if (list !== undefined) for (let i = 0; i < list.length; i++) stamp[list[i] as number] = gen;
  }

  /** Could any atom of test group `gi` hold for `ev`? Conservative: true when unsure. */
  function evalTest(gi: number, ev: KyokaEvent): boolean {
    const g = testGroups[gi] as TestGroup;
    let may = false;
    if (g.keyword) {
      for (const get of keywordGetters) {
        const v = get(ev);
        if (Array.isArray(v) || (v !== undefined && valueMay(g, v))) {
          may = true;
          break;
        }
      }
    } else {
      const v = g.get(ev);
      if (Array.isArray(v)) {
        for (const x of v)
          if (valueMay(g, x)) {
            may = true;
            break;
          }
      } else may = v !== undefined && valueMay(g, v);
    }
    testStamp[gi] = gen;
    testVal[gi] = may ? 1 : 0;
    return may;
  }

  const leaves: EventPredicate[] = atoms.map((a, id) => {
    const gi = groupOf[id] as number;
    const pred = a.pred;
    if (gi >= 0 && a.lit?.kind === 'eq')
      return (ev) => {
        if (eqStamp[gi] !== gen) evalEq(gi, ev);
        return stamp[id] === gen;
      };
    if (gi >= 0)
      return (ev) => {
        if (stamp[id] === gen) return val[id] === 1;
        const may = testStamp[gi] === gen ? testVal[gi] === 1 : evalTest(gi, ev);
        const r = may && pred(ev);
        stamp[id] = gen;
        val[id] = r ? 1 : 0;
        return r;
      };
    return (ev) => {
      if (stamp[id] === gen) return val[id] === 1;
      const r = pred(ev);
      stamp[id] = gen;
      val[id] = r ? 1 : 0;
      return r;
    };
  });

  const cost = (node: PlanNode): number => {
    if (node.op !== 'atom') return 3;
    const a = node.atom;
    if (a.lit?.kind === 'eq' && a.field && !a.field.keyword) return 0;
    return a.lit && a.field ? 1 : 2;
  };
  const leafOf = (a: Atom): EventPredicate => leaves[ids.get(a.key) as number] as EventPredicate;

  // Gate units: `t<g>` (test group g may match) or `e<id>` (eq atom id holds).
  const unitOf = (a: Atom): string | undefined => {
    const id = ids.get(a.key) as number;
    const gi = groupOf[id] as number;
    if (gi < 0) return undefined;
    return a.lit?.kind === 'eq' ? `e${id}` : `t${gi}`;
  };
  // Equalities on the prefilter fields are already the engine's index: poor gates.
  const weight = (u: string): number => {
    if (u.startsWith('t')) return 1;
    const f = atoms[Number(u.slice(1))]?.field?.key ?? '';
    return /^\["event\.(action|dataset|category)"\]$/.test(f) ? 8 : 1;
  };
  const units = (node: PlanNode): string[] | undefined => {
    if (node.op === 'atom') {
      const u = unitOf(node.atom);
      return u === undefined ? undefined : [u];
    }
    if (node.op === 'not') return undefined;
    const sets = node.of.map(units);
    if (node.op === 'or') return sets.some((x) => x === undefined) ? undefined : [...new Set(sets.flat() as string[])];
    let best: string[] | undefined;
    let bestW = Number.POSITIVE_INFINITY;
    for (const x of sets) {
      if (x === undefined) continue;
      const w = x.reduce((sum, u) => sum + weight(u), 0);
      if (w < bestW) {
        best = x;
        bestW = w;
      }
    }
    return best;
  };
  const gateByKey = new Map<string, Gate>();
  const gateOf = (p: PlanNode): Gate | undefined => {
    const us = units(p);
    if (us === undefined || us.length === 0 || us.length > 8) return undefined;
    us.sort();
    const key = us.join(',');
    let g = gateByKey.get(key);
    if (!g) {
      const num = (prefix: string) => Int32Array.from(us.filter((u) => u[0] === prefix).map((u) => Number(u.slice(1))));
      g = { key, tests: num('t'), eqs: num('e'), prefilterOnly: us.every((u) => weight(u) > 1) };
      gateByKey.set(key, g);
    }
    return g;
  };
  function open(gate: Gate, ev: KyokaEvent): boolean {
    const tests = gate.tests;
    for (let i = 0; i < tests.length; i++) {
      const k = tests[i] as number;
      if (testStamp[k] === gen ? testVal[k] === 1 : evalTest(k, ev)) return true;
    }
    const eqs = gate.eqs;
    for (let i = 0; i < eqs.length; i++) {
      const id = eqs[i] as number;
      const gi = groupOf[id] as number;
      if (eqStamp[gi] !== gen) evalEq(gi, ev);
      if (stamp[id] === gen) return true;
    }
    return false;
  }
  return {
    preds: plans.map((p) => compilePlan(p, leafOf, cost)),
    gates: plans.map(gateOf),
    open,
    begin(): void {
      if (++gen >= GEN_MAX) {
        gen = 1;
        stamp.fill(0);
        eqStamp.fill(0);
        testStamp.fill(0);
      }
    },
    atoms: n,
  };
}
