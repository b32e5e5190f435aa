/**
 * The engine's compiled rule set and its candidate selection (the prefilter):
 *  - rules that require constant event.action / event.dataset / event.category values are
 *    indexed by them; an event is checked only against the rules its values select plus
 *    the rules with no such requirement;
 *  - within each list, consecutive rules with the same gate (shared.ts: a necessary
 *    literal test, e.g. "some prefix of user.name matches") form one run that one check
 *    skips entirely, so rules that cannot match cost nothing per rule.
 * Candidate order is the rules' load order within each list (always, then by field), as
 * before gates existed, so detections come out in the same order.
 */
import type { KyokaEvent } from '@kyoka/core';
import type { Bucket } from './buckets.ts';
import { type Getter, getter, mayChangeCase } from './fields.ts';
import { compileShared, type Gate } from './shared.ts';
import type { CompiledRule, Detection, EventPredicate, PlanNode, PrefilterField } from './types.ts';

export interface Prepared {
  rule: CompiledRule;
  /** The rule's predicate over the set's shared atoms (shared.ts), or rule.match. */
  match: EventPredicate;
  gate: Gate | undefined;
  seq: number;
  /** Events matched since the set was prepared (folded into the engine's stats on reload). */
  hits: number;
  detections: number;
  /** Plain rules: this batch's Detection per group value (engine.ts). */
  batch: number;
  plain: Map<string, Detection>;
  groupGets: Array<[string, Getter]>;
  distinctGet?: Getter;
  scopeGet?: Getter;
  /** Threshold rules: the rule's bucket table (engine.ts, from BucketStore.table). */
  buckets?: Map<string, Bucket>;
}

/** Consecutive rules of one list sharing a gate (or none). */
interface Run {
  gate: Gate | undefined;
  rules: Prepared[];
}

export interface RuleSet {
  /** Starts a new event (forgets memoized atoms). */
  begin: () => void;
  open: (gate: Gate, ev: KyokaEvent) => boolean;
  all: Prepared[];
  always: Run[];
  /** Runs by lower-cased value of event.action, event.dataset, event.category. */
  byAction: Map<string, Run[]> | undefined;
  byDataset: Map<string, Run[]> | undefined;
  byCategory: Map<string, Run[]> | undefined;
}

function runs(list: Prepared[]): Run[] {
  const out: Run[] = [];
  let last: Run | undefined;
  let lastKey: string | undefined;
  for (const p of list) {
    const key = p.gate?.key;
    if (last && key !== undefined && key === lastKey) last.rules.push(p);
    else {
      last = { gate: p.gate, rules: [p] };
      lastKey = key;
      out.push(last);
    }
  }
  return out;
}

/** A rule's gate, unless it only repeats the rule's index (a wasted check per event). */
function gateFor(rule: CompiledRule, gate: Gate | undefined): Gate | undefined {
  return gate?.prefilterOnly && rule.index ? undefined : gate;
}

export function prepare(rules: CompiledRule[]): RuleSet {
  const enabled = rules.filter((r) => r.enabled);
  const planned = enabled.filter((r) => r.plan !== undefined);
  const shared = compileShared(planned.map((r) => r.plan as PlanNode));
  const byRule = new Map(planned.map((r, i) => [r, i]));
  const always: Prepared[] = [];
  const index = new Map<PrefilterField, Map<string, Prepared[]>>();
  const all: Prepared[] = [];
  for (const rule of enabled) {
    const group = rule.threshold?.groupby ?? rule.action.groupBy;
    const i = byRule.get(rule);
    const p: Prepared = {
      rule,
      match: i === undefined ? rule.match : (shared.preds[i] as EventPredicate),
      gate: i === undefined ? undefined : gateFor(rule, shared.gates[i]),
      seq: -1,
      hits: 0,
      detections: 0,
      batch: 0,
      plain: new Map(),
      groupGets: group.map((f) => [f, getter(f)]),
      buckets: undefined, // set on first use; present from the start to keep one object shape
    };
    const distinct = rule.threshold?.distinct?.map(getter);
    if (distinct)
      p.distinctGet = (ev) => {
        // indexed loops on the per-event path: for-of left an iterator allocation here
        for (let i = 0; i < distinct.length; i++) {
          const v = (distinct[i] as Getter)(ev);
          if (v !== undefined && v !== null && v !== '') return v;
        }
        return undefined;
      };
    if (rule.action.decision || rule.mode === 'deceive')
      p.scopeGet = getter(rule.action.decision?.scope ?? 'source.ip');
    all.push(p);
    if (!rule.index) {
      always.push(p);
      continue;
    }
    let byValue = index.get(rule.index.field);
    if (!byValue) {
      byValue = new Map();
      index.set(rule.index.field, byValue);
    }
    for (const v of new Set(rule.index.values)) {
      const list = byValue.get(v);
      if (list) list.push(p);
      else byValue.set(v, [p]);
    }
  }
  const runsOf = (f: PrefilterField): Map<string, Run[]> | undefined => {
    const byValue = index.get(f);
    return byValue && new Map([...byValue].map(([v, l]) => [v, runs(l)]));
  };
  return {
    begin: shared.begin,
    open: shared.open,
    all,
    always: runs(always),
    byAction: runsOf('event.action'),
    byDataset: runsOf('event.dataset'),
    byCategory: runsOf('event.category'),
  };
}

function take(set: RuleSet, list: Run[], ev: KyokaEvent, s: number, out: Prepared[], n: number): number {
  for (let r = 0; r < list.length; r++) {
    const run = list[r] as Run;
    if (run.gate !== undefined && !set.open(run.gate, ev)) continue;
    const rules = run.rules;
    for (let i = 0; i < rules.length; i++) {
      const p = rules[i] as Prepared;
      if (p.seq !== s) {
        p.seq = s;
        out[n++] = p;
      }
    }
  }
  return n;
}

/**
 * The rules `ev` must be checked against, into `out[0..n)`; returns n. `s` is unique per
 * call. Entries past n are stale: `out` is overwritten, never truncated (truncating to 0
 * frees its backing store, and the next push allocates a new one, per event).
 */
export function collect(ev: KyokaEvent, set: RuleSet, s: number, out: Prepared[]): number {
  set.begin();
  let n = take(set, set.always, ev, s, out, 0);
  const e = ev.event;
  if (!e) return n;
  if (set.byAction) n = takeField(set, set.byAction, e.action, ev, s, out, n);
  if (set.byDataset) n = takeField(set, set.byDataset, e.dataset, ev, s, out, n);
  if (set.byCategory) n = takeField(set, set.byCategory, e.category, ev, s, out, n);
  return n;
}

function takeField(
  set: RuleSet,
  byValue: Map<string, Run[]>,
  v: unknown,
  ev: KyokaEvent,
  s: number,
  out: Prepared[],
  n: number,
): number {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') n = takeValue(set, byValue, x, ev, s, out, n);
    }
    return n;
  }
  return typeof v === 'string' ? takeValue(set, byValue, v, ev, s, out, n) : n;
}

function takeValue(
  set: RuleSet,
  byValue: Map<string, Run[]>,
  x: string,
  ev: KyokaEvent,
  s: number,
  out: Prepared[],
  n: number,
): number {
  const list = byValue.get(x) ?? (mayChangeCase(x) ? byValue.get(x.toLowerCase()) : undefined);
  return list ? take(set, list, ev, s, out, n) : n;
}
