/**
 * One parsed rule document (Sigma fields plus Kyoka's `kyoka:` extensions) → CompiledRule.
 * Validation happens here, once; errors carry the YAML path so the loader can name the line.
 *
 * kyoka:
 *   enabled: true                 # default true
 *   mode: default | alert-only | deceive
 *   threshold:                    # leaky bucket per group, as CrowdSec scenarios
 *     groupby: [source.ip]        # default [source.ip]
 *     capacity: 5                 # overflow when more than 5 are poured
 *     leakspeed: 10s              # one unit leaks out every 10 s
 *     blackhole: 5m               # after an overflow the group is silent 5 min (default: leakspeed × capacity)
 *     distinct: user.name         # optional: pour only values not yet in the bucket (a list: first present)
 *     # Wazuh form: count: F, timeframe: T  ≡  capacity F-1, leakspeed T: any F events within T
 *     # overflow (as Wazuh's frequency/timeframe); a slow drip faster than one event per T also
 *     # overflows eventually, which a sliding window would forget.
 *   action:                       # default: alert only
 *     alert: { severity: high, group_by: [source.ip] }   # or alert: true / false
 *     decision: { type: ban, duration: 4h, scope: source.ip }
 */

import { compileDetection, type Requirement } from './condition.ts';
import { parseDuration } from './duration.ts';
import { RuleCompileError } from './errors.ts';
import { compileFieldEntry } from './matchers.ts';
import { combine, planPredicate } from './plan.ts';
import type {
  ActionSpec,
  CompiledRule,
  DecisionType,
  PlanNode,
  PrefilterField,
  RuleMode,
  Severity,
  ThresholdSpec,
} from './types.ts';

const SEVERITIES = new Set<Severity>(['informational', 'low', 'medium', 'high', 'critical']);
const DECISIONS = new Set<DecisionType>(['ban', 'deceive', 'reflect']);
const MODES = new Set<RuleMode>(['default', 'alert-only', 'deceive']);
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const DEFAULT_DECISION_MS = 4 * 3_600_000;

const TACTICS: Record<string, string> = {
  reconnaissance: 'TA0043',
  resource_development: 'TA0042',
  initial_access: 'TA0001',
  execution: 'TA0002',
  persistence: 'TA0003',
  privilege_escalation: 'TA0004',
  defense_evasion: 'TA0005',
  credential_access: 'TA0006',
  discovery: 'TA0007',
  lateral_movement: 'TA0008',
  collection: 'TA0009',
  command_and_control: 'TA0011',
  exfiltration: 'TA0010',
  impact: 'TA0040',
};

/** Sigma logsource → what a Kyoka event from that source looks like. */
const LOGSOURCE: Record<string, { field: PrefilterField; values: string[] }> = {
  'service:sshd': { field: 'event.dataset', values: ['sshd'] },
  'service:auth': { field: 'event.dataset', values: ['sshd', 'sudo', 'su', 'vsftpd', 'rsyncd'] },
  'service:sudo': { field: 'event.dataset', values: ['sudo'] },
  'service:vsftpd': { field: 'event.dataset', values: ['vsftpd'] },
  'service:rsyncd': { field: 'event.dataset', values: ['rsyncd'] },
  'product:opencanary': { field: 'event.dataset', values: ['opencanary'] },
  'category:webserver': { field: 'event.category', values: ['web'] },
  'category:proxy': { field: 'event.category', values: ['web'] },
  'category:firewall': { field: 'event.category', values: ['network'] },
};
const NO_CONSTRAINT = new Set([
  'product:linux',
  'product:zeek',
  'category:network_connection',
  'category:dns',
  'product:kyoka',
]);

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strList(v: unknown, path: Array<string | number>, what: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (typeof x !== 'string') throw new RuleCompileError(`${what} must be strings`, path);
  return list as string[];
}

export function normalizeTags(tags: string[]): string[] {
  const out = new Set<string>();
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t);
    if (m) out.add((m[1] as string).toUpperCase());
    else if (/^attack\./i.test(t) && TACTICS[t.slice(7).toLowerCase().replace(/-/g, '_')])
      out.add(TACTICS[t.slice(7).toLowerCase().replace(/-/g, '_')] as string);
    else out.add(t);
  }
  return [...out];
}

function duration(v: unknown, path: Array<string | number>, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const ms = parseDuration(v);
  if (ms === undefined)
    throw new RuleCompileError(`not a duration (e.g. "10s", "5m", "4h"): ${JSON.stringify(v)}`, path);
  return ms;
}

function positiveInt(v: unknown, path: Array<string | number>): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RuleCompileError('must be a positive integer', path);
  return v;
}

function compileThreshold(t: unknown, p: Array<string | number>): ThresholdSpec {
  if (!isMap(t)) throw new RuleCompileError('threshold must be a map', p);
  const groupby = strList(t.groupby ?? 'source.ip', [...p, 'groupby'], 'groupby');
  if (groupby.length === 0) throw new RuleCompileError('groupby needs at least one field', [...p, 'groupby']);
  let capacity: number;
  let leakMs: number;
  if (t.count !== undefined || t.timeframe !== undefined) {
    if (t.capacity !== undefined || t.leakspeed !== undefined)
      throw new RuleCompileError('use either count/timeframe or capacity/leakspeed', p);
    const count = positiveInt(t.count, [...p, 'count']);
    if (count < 2) throw new RuleCompileError('count must be at least 2', [...p, 'count']);
    capacity = count - 1;
    leakMs = duration(t.timeframe, [...p, 'timeframe']);
  } else {
    capacity = positiveInt(t.capacity, [...p, 'capacity']);
    leakMs = duration(t.leakspeed, [...p, 'leakspeed']);
  }
  if (leakMs <= 0) throw new RuleCompileError('leakspeed must be positive', [...p, 'leakspeed']);
  const blackholeMs = duration(t.blackhole, [...p, 'blackhole'], leakMs * capacity);
  const spec: ThresholdSpec = { capacity, leakMs, blackholeMs, groupby };
  if (t.distinct !== undefined) {
    const d = strList(t.distinct, [...p, 'distinct'], 'distinct');
    if (d.length === 0) throw new RuleCompileError('distinct needs a field name', [...p, 'distinct']);
    spec.distinct = d;
  }
  for (const k of Object.keys(t))
    if (!['groupby', 'capacity', 'leakspeed', 'blackhole', 'distinct', 'count', 'timeframe'].includes(k))
      throw new RuleCompileError(`unknown threshold key ${JSON.stringify(k)}`, [...p, k]);
  return spec;
}

function compileAction(
  a: unknown,
  p: Array<string | number>,
  defaultGroup: string[],
  level: Severity,
): { action: ActionSpec; severity: Severity } {
  const action: ActionSpec = { alert: true, groupBy: defaultGroup };
  let severity = level;
  if (a === undefined || a === 'alert') return { action, severity };
  if (a === 'decision' || a === 'both') {
    action.alert = a === 'both';
    action.decision = { type: 'ban', durationMs: DEFAULT_DECISION_MS, scope: 'source.ip' };
    return { action, severity };
  }
  if (!isMap(a)) throw new RuleCompileError('action must be alert | decision | both or a map', p);
  if (a.alert === false) action.alert = false;
  else if (isMap(a.alert)) {
    const al = a.alert;
    if (al.severity !== undefined) {
      if (!SEVERITIES.has(al.severity as Severity))
        throw new RuleCompileError('unknown severity', [...p, 'alert', 'severity']);
      severity = al.severity as Severity;
    }
    if (al.group_by !== undefined) action.groupBy = strList(al.group_by, [...p, 'alert', 'group_by'], 'group_by');
  } else if (a.alert !== undefined && a.alert !== true)
    throw new RuleCompileError('alert must be true, false or a map', [...p, 'alert']);
  else if (a.alert === undefined && a.decision !== undefined) action.alert = false;
  if (a.decision !== undefined) {
    const d = a.decision;
    const dp = [...p, 'decision'];
    if (!isMap(d)) throw new RuleCompileError('decision must be a map {type, duration, scope}', dp);
    const type = (d.type ?? 'ban') as DecisionType;
    if (!DECISIONS.has(type))
      throw new RuleCompileError('decision type must be ban, deceive or reflect', [...dp, 'type']);
    const scope = d.scope ?? 'source.ip';
    if (typeof scope !== 'string') throw new RuleCompileError('scope must be a field name', [...dp, 'scope']);
    action.decision = { type, durationMs: duration(d.duration, [...dp, 'duration'], DEFAULT_DECISION_MS), scope };
  }
  for (const k of Object.keys(a))
    if (k !== 'alert' && k !== 'decision')
      throw new RuleCompileError(`unknown action key ${JSON.stringify(k)}`, [...p, k]);
  return { action, severity };
}

function logsource(ls: unknown, warnings: string[]): { node?: PlanNode; req: Requirement } {
  if (!isMap(ls)) return { req: {} };
  const keys = ['service', 'category', 'product']
    .filter((k) => typeof ls[k] === 'string')
    .map((k) => `${k}:${String(ls[k]).toLowerCase()}`);
  for (const k of keys) {
    const c = LOGSOURCE[k];
    if (!c) continue;
    // the field (lower-cased, any element of a list) is one of the values: Sigma equality
    return { node: compileFieldEntry(c.field, c.values, ['logsource']), req: { [c.field]: c.values } };
  }
  const unknown = keys.filter((k) => !NO_CONSTRAINT.has(k));
  if (unknown.length > 0)
    warnings.push(`logsource ${unknown.join(', ')} has no Kyoka mapping: the rule applies to all events`);
  return { req: {} };
}

function pickIndex(req: Requirement): CompiledRule['index'] {
  for (const f of ['event.action', 'event.dataset', 'event.category'] as const) {
    const v = req[f];
    if (v !== undefined && v.length > 0) return { field: f, values: v };
  }
  return undefined;
}

/** Compiles one rule document. `yaml` is the document's text, kept for the editor. */
export function compileRule(doc: unknown, origin: { source: string; line: number }, yaml: string): CompiledRule {
  if (!isMap(doc)) throw new RuleCompileError('a rule must be a YAML map');
  const warnings: string[] = [];
  if (typeof doc.title !== 'string' || doc.title.trim() === '')
    throw new RuleCompileError('title is required', ['title']);
  let id = doc.id;
  if (id === undefined) {
    id = doc.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 100);
    warnings.push(`no id: using ${JSON.stringify(id)}`);
  }
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new RuleCompileError('id must be 1-128 characters [A-Za-z0-9._:-]', ['id']);
  const level = (doc.level ?? 'medium') as Severity;
  if (!SEVERITIES.has(level))
    throw new RuleCompileError('level must be informational, low, medium, high or critical', ['level']);
  const tags = normalizeTags(strList(doc.tags, ['tags'], 'tags'));
  const det = compileDetection(doc.detection);
  const ls = logsource(doc.logsource, warnings);
  const k = doc.kyoka ?? {};
  if (!isMap(k)) throw new RuleCompileError('kyoka must be a map', ['kyoka']);
  for (const key of Object.keys(k))
    if (!['enabled', 'mode', 'threshold', 'action'].includes(key))
      throw new RuleCompileError(`unknown kyoka key ${JSON.stringify(key)}`, ['kyoka', key]);
  const threshold = k.threshold === undefined ? undefined : compileThreshold(k.threshold, ['kyoka', 'threshold']);
  const { action, severity } = compileAction(k.action, ['kyoka', 'action'], threshold?.groupby ?? ['source.ip'], level);
  const mode = (k.mode ?? 'default') as RuleMode;
  if (!MODES.has(mode)) throw new RuleCompileError('mode must be default, alert-only or deceive', ['kyoka', 'mode']);
  const enabled = k.enabled ?? doc.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new RuleCompileError('enabled must be true or false', ['kyoka', 'enabled']);
  const plan = ls.node ? combine('and', [ls.node, det.node]) : det.node;
  const match = ls.node ? planPredicate(plan) : det.pred;
  const req: Requirement = { ...det.req };
  for (const [f, v] of Object.entries(ls.req) as Array<[PrefilterField, string[]]>)
    req[f] = req[f] ? req[f].filter((x) => v.includes(x)) : v;
  return {
    id,
    title: doc.title,
    description: typeof doc.description === 'string' ? doc.description : '',
    severity,
    tags,
    status: typeof doc.status === 'string' ? doc.status : undefined,
    falsepositives: strList(doc.falsepositives, ['falsepositives'], 'falsepositives'),
    enabled,
    mode,
    origin,
    yaml,
    match,
    plan,
    threshold,
    action,
    index: pickIndex(req),
    warnings,
  };
}
