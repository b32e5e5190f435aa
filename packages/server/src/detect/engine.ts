/**
 * The rule engine: events in, Detections out. Pure and synchronous (no I/O), so the lead
 * wires `process` to EventWriter.onCommitted and replays use the same code.
 *  - Prefilter: rules that require constant event.action / event.dataset / event.category
 *    values are indexed by them; an event is checked only against the rules its values
 *    select plus the rules with no such requirement.
 *  - Whitelisted events (source IP/CIDR, user, sensor) are dropped before any rule.
 *  - Plain rules: matches of one rule and group within a batch become one Detection.
 *  - Threshold rules: a leaky bucket per group (buckets.ts); the overflow is the Detection.
 * Hand-written: no maintained Sigma/leaky-bucket engine exists for Node.
 */
import type { KyokaEvent } from '@kyoka/core';
import { BucketStore } from './buckets.ts';
import { type Getter, getter, groupValue, resetFieldCache } from './fields.ts';
import { canonicalIp } from './ip-range.ts';
import { type CompiledRule, type Detection, MAX_DETECTION_EVENTS, type PrefilterField } from './types.ts';
import { compileWhitelist, type Whitelist, type WhitelistSpec } from './whitelist.ts';

export interface EngineOptions {
  rules: CompiledRule[];
  whitelist?: WhitelistSpec;
  /** Wall clock (ms); injectable for tests. */
  now?: () => number;
  /** 'wall' (live pipeline: the time the batch is processed) or 'event' (@timestamp: replays). */
  clock?: 'wall' | 'event';
  /** Most live threshold buckets (groups) kept; least recently poured evicted first. */
  maxBuckets?: number;
}

export interface EngineStats {
  rules: number;
  enabled: number;
  /** Events matched per rule id (after the whitelist). */
  hits: Record<string, number>;
  /** Detections emitted per rule id. */
  detections: Record<string, number>;
  buckets: number;
  evicted: number;
  events: number;
  whitelisted: number;
}

export interface Engine {
  process(events: KyokaEvent[]): Detection[];
  /** Swaps the compiled rule set atomically; buckets of rules that changed or left are dropped. */
  reload(rules: CompiledRule[]): void;
  setWhitelist(spec: WhitelistSpec): void;
  stats(): EngineStats;
  rules(): readonly CompiledRule[];
}

interface Prepared {
  rule: CompiledRule;
  seq: number;
  groupGets: Array<[string, Getter]>;
  distinctGet?: Getter;
  scopeGet?: Getter;
}

interface RuleSet {
  all: Prepared[];
  always: Prepared[];
  index: Map<PrefilterField, Map<string, Prepared[]>>;
}

const INDEX_FIELDS: PrefilterField[] = ['event.action', 'event.dataset', 'event.category'];

function prepare(rules: CompiledRule[]): RuleSet {
  const set: RuleSet = { all: [], always: [], index: new Map() };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const group = rule.threshold?.groupby ?? rule.action.groupBy;
    const p: Prepared = { rule, seq: -1, groupGets: group.map((f) => [f, getter(f)]) };
    const distinct = rule.threshold?.distinct?.map(getter);
    if (distinct)
      p.distinctGet = (ev) => {
        for (const g of distinct) {
          const v = g(ev);
          if (v !== undefined && v !== null && v !== '') return v;
        }
        return undefined;
      };
    if (rule.action.decision || rule.mode === 'deceive')
      p.scopeGet = getter(rule.action.decision?.scope ?? 'source.ip');
    set.all.push(p);
    if (!rule.index) {
      set.always.push(p);
      continue;
    }
    let byValue = set.index.get(rule.index.field);
    if (!byValue) {
      byValue = new Map();
      set.index.set(rule.index.field, byValue);
    }
    for (const v of new Set(rule.index.values)) {
      const list = byValue.get(v);
      if (list) list.push(p);
      else byValue.set(v, [p]);
    }
  }
  return set;
}

/** Rule "fingerprint": buckets survive a reload only when the rule's text is unchanged. */
function fingerprint(r: CompiledRule): string {
  return r.yaml;
}

export function createEngine(opts: EngineOptions): Engine {
  const now = opts.now ?? Date.now;
  const eventClock = opts.clock === 'event';
  const buckets = new BucketStore(opts.maxBuckets ?? 100_000);
  let whitelist: Whitelist = compileWhitelist(opts.whitelist);
  let current = prepare(opts.rules);
  let ruleList = opts.rules.slice();
  let seq = 0;
  const hits = new Map<string, number>();
  const dets = new Map<string, number>();
  let eventsSeen = 0;
  let whitelisted = 0;
  const candidates: Prepared[] = [];

  const bump = (m: Map<string, number>, id: string, n = 1) => m.set(id, (m.get(id) ?? 0) + n);

  function collect(ev: KyokaEvent, set: RuleSet, s: number): void {
    candidates.length = 0;
    for (const p of set.always) candidates.push(p);
    const e = ev.event;
    if (!e) return;
    for (const f of INDEX_FIELDS) {
      const byValue = set.index.get(f);
      if (!byValue) continue;
      const v = f === 'event.action' ? e.action : f === 'event.dataset' ? e.dataset : e.category;
      const vals = Array.isArray(v) ? v : v === undefined ? [] : [v];
      for (const x of vals) {
        if (typeof x !== 'string') continue;
        const list = byValue.get(x) ?? byValue.get(x.toLowerCase());
        if (!list) continue;
        for (const p of list)
          if (p.seq !== s) {
            p.seq = s;
            candidates.push(p);
          }
      }
    }
  }

  function decisionFor(p: Prepared, ev: KyokaEvent): Detection['decision'] {
    const r = p.rule;
    if (r.mode === 'alert-only' || !p.scopeGet) return undefined;
    const raw = p.scopeGet(ev);
    if (typeof raw !== 'string') return undefined;
    const value = raw.includes('/') ? raw : canonicalIp(raw);
    if (value === undefined) return undefined;
    const type = r.mode === 'deceive' ? 'deceive' : (r.action.decision?.type ?? 'deceive');
    return { type, value, duration_ms: r.action.decision?.durationMs ?? 4 * 3_600_000 };
  }

  function detection(p: Prepared, key: string, group: Detection['group'], ev: KyokaEvent): Detection {
    const r = p.rule;
    const d: Detection = {
      rule: { id: r.id, title: r.title, severity: r.severity, tags: r.tags, mode: r.mode },
      key,
      group,
      count: 0,
      events: [],
      first: ev['@timestamp'],
      last: ev['@timestamp'],
      alert: r.action.alert || r.mode === 'alert-only',
    };
    const dec = decisionFor(p, ev);
    if (dec) d.decision = dec;
    return d;
  }

  return {
    process(events: KyokaEvent[]): Detection[] {
      const set = current;
      const out: Detection[] = [];
      const plain = new Map<string, Detection>();
      const wall = now();
      for (const ev of events) {
        eventsSeen++;
        resetFieldCache();
        if (whitelist.size > 0 && whitelist(ev)) {
          whitelisted++;
          continue;
        }
        collect(ev, set, ++seq);
        if (candidates.length === 0) continue;
        let t = wall;
        if (eventClock) {
          const et = Date.parse(ev['@timestamp']);
          if (Number.isFinite(et)) t = et;
        }
        for (const p of candidates) {
          if (!p.rule.match(ev)) continue;
          const r = p.rule;
          bump(hits, r.id);
          const group: Detection['group'] = {};
          let key = r.id;
          let any = false;
          for (const [f, g] of p.groupGets) {
            const v = groupValue(g(ev));
            group[f] = v;
            key += `|${v}`;
            if (v !== '') any = true;
          }
          if (r.threshold) {
            if (!any) continue;
            let dv: string | undefined;
            if (p.distinctGet) {
              const raw = p.distinctGet(ev);
              dv = raw === undefined || raw === null ? undefined : String(groupValue(raw));
              if (dv === '') dv = undefined;
            }
            const o = buckets.pour(key, r.threshold, t, ev.id, ev['@timestamp'], dv);
            if (!o) continue;
            const d = detection(p, key, group, ev);
            d.count = o.count;
            d.events = o.events;
            d.first = o.first;
            d.last = o.last;
            bump(dets, r.id);
            out.push(d);
            continue;
          }
          let d = plain.get(key);
          if (!d) {
            d = detection(p, key, group, ev);
            plain.set(key, d);
            bump(dets, r.id);
            out.push(d);
          }
          d.count++;
          if (d.events.length < MAX_DETECTION_EVENTS) d.events.push(ev.id);
          d.last = ev['@timestamp'];
        }
      }
      buckets.sweep(
        eventClock
          ? events.length > 0
            ? Date.parse(events[events.length - 1]?.['@timestamp'] ?? '') || wall
            : wall
          : wall,
      );
      return out;
    },
    reload(rules: CompiledRule[]): void {
      const before = new Map(ruleList.map((r) => [r.id, fingerprint(r)]));
      const after = new Map(rules.map((r) => [r.id, fingerprint(r)]));
      const drop: string[] = [];
      for (const [id, fp] of before) if (after.get(id) !== fp) drop.push(`${id}|`);
      const next = prepare(rules);
      current = next; // atomic swap: a batch in flight keeps the set it started with
      ruleList = rules.slice();
      buckets.dropPrefixes(drop);
    },
    setWhitelist(spec: WhitelistSpec): void {
      whitelist = compileWhitelist(spec);
    },
    stats(): EngineStats {
      return {
        rules: ruleList.length,
        enabled: current.all.length,
        hits: Object.fromEntries(hits),
        detections: Object.fromEntries(dets),
        buckets: buckets.size,
        evicted: buckets.evicted,
        events: eventsSeen,
        whitelisted,
      };
    },
    rules: () => ruleList,
  };
}
