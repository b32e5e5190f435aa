/**
 * The rule engine: events in, Detections out. Pure and synchronous (no I/O), so the lead
 * wires `process` to EventWriter.onCommitted and replays use the same code.
 *  - Prefilter (rule-set.ts): rules that require constant event.action / event.dataset /
 *    event.category values are indexed by them, and rules that share a necessary literal
 *    test are skipped together when it fails.
 *  - Rules are evaluated over shared atoms (shared.ts): a test common to many rules runs
 *    once per event, and the literals of one field are prefiltered together.
 *  - Whitelisted events (source IP/CIDR, user, sensor) are dropped before any rule.
 *  - Plain rules: matches of one rule and group within a batch become one Detection.
 *  - Threshold rules: a leaky bucket per group (buckets.ts); the overflow is the Detection.
 * Hand-written: no maintained Sigma/leaky-bucket engine exists for Node.
 */
import type { KyokaEvent } from '@kyoka/core';
import { BucketStore } from './buckets.ts';
import { type Getter, groupValue, resetFieldCache } from './fields.ts';
import { canonicalIpCached } from './ip-range.ts';
import { collect, type Prepared, prepare, type RuleSet } from './rule-set.ts';
import { type CompiledRule, type Detection, MAX_DETECTION_EVENTS } from './types.ts';
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

/** Rule "fingerprint": buckets survive a reload only when the rule's text is unchanged. */
function fingerprint(r: CompiledRule): string {
  return r.yaml;
}

export function createEngine(opts: EngineOptions): Engine {
  const now = opts.now ?? Date.now;
  const eventClock = opts.clock === 'event';
  const buckets = new BucketStore(opts.maxBuckets ?? 100_000);
  let whitelist: Whitelist = compileWhitelist(opts.whitelist);
  let wlSize = whitelist.size;
  let current = prepare(opts.rules);
  let ruleList = opts.rules.slice();
  let seq = 0;
  let batches = 0;
  const hits = new Map<string, number>();
  const dets = new Map<string, number>();
  let eventsSeen = 0;
  let whitelisted = 0;
  const candidates: Prepared[] = [];

  const bump = (m: Map<string, number>, id: string, n: number) => m.set(id, (m.get(id) ?? 0) + n);
  /** Counters of `set` added to the totals of rules that left it (or of sets replaced). */
  const fold = (set: RuleSet, h: Map<string, number>, d: Map<string, number>): void => {
    for (const p of set.all) {
      if (p.hits > 0) bump(h, p.rule.id, p.hits);
      if (p.detections > 0) bump(d, p.rule.id, p.detections);
    }
  };

  function decisionFor(p: Prepared, ev: KyokaEvent): Detection['decision'] {
    const r = p.rule;
    if (r.mode === 'alert-only' || !p.scopeGet) return undefined;
    const raw = p.scopeGet(ev);
    if (typeof raw !== 'string') return undefined;
    const value = raw.includes('/') ? raw : canonicalIpCached(raw);
    if (value === undefined) return undefined;
    const type = r.mode === 'deceive' ? 'deceive' : (r.action.decision?.type ?? 'deceive');
    return { type, value, duration_ms: r.action.decision?.durationMs ?? 4 * 3_600_000 };
  }

  function detection(p: Prepared, key: string, ev: KyokaEvent): Detection {
    const r = p.rule;
    const group: Detection['group'] = {};
    for (const [f, g] of p.groupGets) group[f] = groupValue(g(ev));
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
      const batch = ++batches;
      const wall = now();
      // indexed: a for-of allocates an iteration result per event until the loop is optimized
      for (let e = 0; e < events.length; e++) {
        const ev = events[e] as KyokaEvent;
        eventsSeen++;
        resetFieldCache();
        if (wlSize > 0 && whitelist(ev)) {
          whitelisted++;
          continue;
        }
        const n = collect(ev, set, ++seq, candidates);
        if (n === 0) continue;
        let t = wall;
        if (eventClock) {
          const et = Date.parse(ev['@timestamp']);
          if (Number.isFinite(et)) t = et;
        }
        for (let i = 0; i < n; i++) {
          const p = candidates[i] as Prepared;
          if (!p.match(ev)) continue;
          const r = p.rule;
          p.hits++;
          // the group value ('|'-joined for several fields); the `<rule>|<group>` key is only
          // built for a detection
          const gets = p.groupGets;
          let group: string;
          let any = false;
          if (gets.length === 1) {
            const v = groupValue((gets[0] as [string, Getter])[1](ev));
            group = typeof v === 'string' ? v : String(v);
            any = group !== '';
          } else {
            group = '';
            for (let j = 0; j < gets.length; j++) {
              const v = groupValue((gets[j] as [string, Getter])[1](ev));
              group += j === 0 ? `${v}` : `|${v}`;
              if (v !== '') any = true;
            }
          }
          if (r.threshold) {
            if (!any) continue;
            let dv: string | undefined;
            if (p.distinctGet) {
              const raw = p.distinctGet(ev);
              dv = raw === undefined || raw === null ? undefined : String(groupValue(raw));
              if (dv === '') dv = undefined;
            }
            // the rule's own table keyed by the group value: no key string per event
            let table = p.buckets;
            if (table === undefined) {
              table = buckets.table(r.id);
              p.buckets = table;
            }
            const o = buckets.pourIn(table, r.id, group, r.threshold, t, ev.id, ev['@timestamp'], dv);
            if (!o) continue;
            const d = detection(p, `${r.id}|${group}`, ev);
            d.count = o.count;
            d.events = o.events;
            d.first = o.first;
            d.last = o.last;
            p.detections++;
            out.push(d);
            continue;
          }
          // one Detection per rule and group in a batch: a per-rule map keyed by the group value
          if (p.batch !== batch) {
            p.batch = batch;
            p.plain = new Map();
          }
          let d = p.plain.get(group);
          if (!d) {
            d = detection(p, `${r.id}|${group}`, ev);
            p.plain.set(group, d);
            p.detections++;
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
      fold(current, hits, dets);
      current = next; // atomic swap: a batch in flight keeps the set it started with
      ruleList = rules.slice();
      buckets.dropPrefixes(drop);
    },
    setWhitelist(spec: WhitelistSpec): void {
      whitelist = compileWhitelist(spec);
      wlSize = whitelist.size;
    },
    stats(): EngineStats {
      const h = new Map(hits);
      const d = new Map(dets);
      fold(current, h, d);
      return {
        rules: ruleList.length,
        enabled: current.all.length,
        hits: Object.fromEntries(h),
        detections: Object.fromEntries(d),
        buckets: buckets.size,
        evicted: buckets.evicted,
        events: eventsSeen,
        whitelisted,
      };
    },
    rules: () => ruleList,
  };
}
