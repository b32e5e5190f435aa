/**
 * Types of the detection rule engine: the rule as compiled (closures, no YAML tree at match
 * time), the Detection the engine emits, and rule load errors.
 */
import type { KyokaEvent } from '@kyoka/core';
import type { IpRanges } from './ip-range.ts';

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export type DecisionType = 'ban' | 'deceive' | 'reflect';
/** Operator override: `default` keeps the rule's action; alert-only drops decisions; deceive turns them into deceive. */
export type RuleMode = 'default' | 'alert-only' | 'deceive';

/** A predicate over one event, compiled once per rule. */
export type EventPredicate = (ev: KyokaEvent) => boolean;

/**
 * What a leaf test of a rule is, so the engine can share work across rules: `eq` is
 * case-insensitive equality with a plain lower-case literal; `re` is a RegExp source (flag
 * `s`) the lower-cased text must match; `cidr` ranges the address must fall in.
 */
export type AtomLit = { kind: 'eq'; value: string } | { kind: 're'; src: string } | { kind: 'cidr'; ranges: IpRanges };

/** One leaf test: same `key`, same result on any event. */
export interface Atom {
  key: string;
  /** Standalone evaluation (no per-event state). */
  pred: EventPredicate;
  /**
   * Present when the test is a literal over one field (value) or the keyword fields: atoms of
   * the same `field` and literal kind are prefiltered together (one Map lookup, one combined
   * RegExp, one range scan per event).
   */
  field?: { key: string; get: (ev: KyokaEvent) => unknown; keyword: boolean };
  lit?: AtomLit;
}

/** A rule's detection logic as a tree of atoms (compiled to closures by plan.ts / shared.ts). */
export type PlanNode = { op: 'atom'; atom: Atom } | { op: 'and' | 'or'; of: PlanNode[] } | { op: 'not'; of: PlanNode };

export interface ThresholdSpec {
  /** Overflow when more than `capacity` units are in the bucket. */
  capacity: number;
  /** One unit leaks out every `leakMs`. */
  leakMs: number;
  /** After an overflow the group is silenced this long. */
  blackholeMs: number;
  groupby: string[];
  /** Count distinct values instead of events: the first of these fields the event has. */
  distinct?: string[];
}

export interface ActionSpec {
  alert: boolean;
  /** Fields whose values form the alert group key (default: the threshold groupby, else source.ip). */
  groupBy: string[];
  decision?: { type: DecisionType; durationMs: number; scope: string };
}

export interface CompiledRule {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  /** MITRE ATT&CK tags normalized (attack.t1110 → T1110, attack.credential_access → TA name kept) plus raw tags. */
  tags: string[];
  status?: string;
  falsepositives: string[];
  enabled: boolean;
  mode: RuleMode;
  /** Where the rule came from: file path or `db:<id>`; plus the 1-based line of its document. */
  origin: { source: string; line: number };
  /** The YAML text of this rule's document (for the console editor). */
  yaml: string;
  match: EventPredicate;
  /** The same logic as `match`, as atoms: the engine evaluates shared atoms once per event. */
  plan?: PlanNode;
  threshold?: ThresholdSpec;
  action: ActionSpec;
  /** Prefilter: the rule can only match events whose `field` (lower-cased) is one of `values`. */
  index?: { field: PrefilterField; values: string[] };
  warnings: string[];
}

export type PrefilterField = 'event.action' | 'event.dataset' | 'event.category';

export interface RuleError {
  source: string;
  line: number;
  column?: number;
  ruleId?: string;
  message: string;
}

export interface Detection {
  rule: { id: string; title: string; severity: Severity; tags: string[]; mode: RuleMode };
  /** `<rule id>|<group values joined by |>`: stable per rule and attacker. */
  key: string;
  group: Record<string, string | number>;
  count: number;
  /** Event ids, capped at 100. */
  events: string[];
  /** @timestamp of the first and last event counted. */
  first: string;
  last: string;
  decision?: { type: DecisionType; value: string; duration_ms: number };
  alert: boolean;
}

export const MAX_DETECTION_EVENTS = 100;
