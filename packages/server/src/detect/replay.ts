/**
 * "Test this rule": which events a rule text matches, and what detections it would have
 * produced, over given events or over the last 24 h of stored events (paged through
 * EventStore.search oldest first, narrowed by the rule's prefilter constants, capped).
 */
import type { KyokaEvent, QueryNode } from '@kyoka/core';
import { KyokaError } from '@kyoka/core';
import type { EventStore } from '../store/types.ts';
import { createEngine } from './engine.ts';
import { resetFieldCache } from './fields.ts';
import { formatRuleError, parseRules } from './load.ts';
import type { CompiledRule, Detection, RuleError } from './types.ts';

export interface RuleTestResult {
  rule: { id: string; title: string } | null;
  errors: RuleError[];
  /** Ids of events the detection block matches (capped at `maxMatches`). */
  matched: string[];
  /** The matched events themselves (same cap), for the console's "would have matched" list. */
  matchedEvents: KyokaEvent[];
  /** All matches, including those past the cap. */
  total: number;
  /** What the engine would have emitted (thresholds on event time). */
  detections: Detection[];
  scanned: number;
  truncated: boolean;
}

/** Compiles exactly one rule from text; throws KYOKA_E_BAD_REQUEST with file:line messages otherwise. */
export function compileOne(yaml: string, name = 'rule'): CompiledRule {
  const r = parseRules({ name, text: yaml });
  if (r.errors.length > 0)
    throw new KyokaError('KYOKA_E_BAD_REQUEST', r.errors.map(formatRuleError).join('\n'), {
      details: { errors: r.errors },
    });
  if (r.rules.length !== 1)
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `${name}: expected exactly one rule, got ${r.rules.length}`);
  return r.rules[0] as CompiledRule;
}

function tester(rule: CompiledRule, maxMatches: number) {
  const engine = createEngine({ rules: [{ ...rule, enabled: true }], clock: 'event', maxBuckets: 100_000 });
  const res: RuleTestResult = {
    rule: { id: rule.id, title: rule.title },
    errors: [],
    matched: [],
    matchedEvents: [],
    total: 0,
    detections: [],
    scanned: 0,
    truncated: false,
  };
  return {
    res,
    feed(events: KyokaEvent[]) {
      res.scanned += events.length;
      for (const ev of events) {
        resetFieldCache();
        if (!rule.match(ev)) continue;
        res.total++;
        if (res.matched.length < maxMatches) {
          res.matched.push(ev.id);
          res.matchedEvents.push(ev);
        } else res.truncated = true;
      }
      for (const d of engine.process(events)) if (res.detections.length < maxMatches) res.detections.push(d);
    },
  };
}

/** Runs rule text against events (sorted by @timestamp first). Compile errors are returned, not thrown. */
export function testRule(yaml: string, events: KyokaEvent[], maxMatches = 1000): RuleTestResult {
  const r = parseRules({ name: 'rule', text: yaml });
  if (r.errors.length > 0 || r.rules.length !== 1) {
    const errors =
      r.errors.length > 0
        ? r.errors
        : [{ source: 'rule', line: 1, message: `expected exactly one rule, got ${r.rules.length}` }];
    return {
      rule: null,
      errors,
      matched: [],
      matchedEvents: [],
      total: 0,
      detections: [],
      scanned: 0,
      truncated: false,
    };
  }
  const t = tester(r.rules[0] as CompiledRule, maxMatches);
  t.feed(
    events.slice().sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0)),
  );
  return t.res;
}

export interface StoreTestOptions {
  now?: number;
  windowMs?: number;
  /** Stop after scanning this many events (truncated = true). */
  maxEvents?: number;
  maxMatches?: number;
  pageSize?: number;
}

function prefilterQuery(rule: CompiledRule): QueryNode {
  if (!rule.index) return { type: 'all' };
  const terms: QueryNode[] = rule.index.values.map((value) => ({
    type: 'term',
    field: rule.index?.field as string,
    value,
    phrase: false,
    wildcard: false,
  }));
  return terms.length === 1 ? (terms[0] as QueryNode) : { type: 'or', children: terms };
}

/** Runs rule text over the last 24 h (default) of stored events, oldest first. */
export async function testRuleAgainstStore(
  store: Pick<EventStore, 'search'>,
  yaml: string,
  opts: StoreTestOptions = {},
): Promise<RuleTestResult> {
  const r = parseRules({ name: 'rule', text: yaml });
  if (r.errors.length > 0 || r.rules.length !== 1) return testRule(yaml, []);
  const rule = r.rules[0] as CompiledRule;
  const to = opts.now ?? Date.now();
  const from = to - (opts.windowMs ?? 24 * 3_600_000);
  const maxEvents = opts.maxEvents ?? 200_000;
  const t = tester(rule, opts.maxMatches ?? 1000);
  const query = prefilterQuery(rule);
  let cursor: string | null = null;
  do {
    const page = await store.search({ query, from, to, limit: opts.pageSize ?? 1000, cursor, order: 'asc' });
    t.feed(page.events);
    cursor = page.cursor;
    if (t.res.scanned >= maxEvents && cursor) {
      t.res.truncated = true;
      break;
    }
  } while (cursor);
  return t.res;
}
