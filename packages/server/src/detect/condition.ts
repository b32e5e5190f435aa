/**
 * Sigma `detection` block → one predicate: selections (maps AND their fields, lists OR their
 * items, lists of maps OR their ANDs, lists of strings are keywords) combined by `condition`
 * (and / or / not / parentheses / `1 of sel*` / `all of sel*` / `1 of them` / `all of them`,
 * precedence not > and > or). A list of conditions is their OR. Also derives what the rule
 * requires of event.action / event.dataset / event.category for the engine's prefilter.
 * The result is a plan (a tree of atoms, plan.ts) plus its standalone predicate.
 * Hand-written: no maintained Sigma evaluator exists for JavaScript.
 */
import { RuleCompileError } from './errors.ts';
import { mapField } from './fields.ts';
import { compileFieldEntry, compileKeyword } from './matchers.ts';
import { combine, planPredicate } from './plan.ts';
import type { EventPredicate, PlanNode, PrefilterField } from './types.ts';

/** Per prefilter field, the values (lower-case) one of which an event must have. */
export type Requirement = Partial<Record<PrefilterField, string[]>>;

interface Compiled {
  node: PlanNode;
  req: Requirement;
}

const PREFILTER = new Set<string>(['event.action', 'event.dataset', 'event.category']);

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function and(parts: Compiled[]): Compiled {
  const req: Requirement = {};
  for (const p of parts) {
    for (const [f, vals] of Object.entries(p.req) as Array<[PrefilterField, string[]]>) {
      const have = req[f];
      req[f] = have ? have.filter((v) => vals.includes(v)) : vals;
    }
  }
  return {
    node: combine(
      'and',
      parts.map((p) => p.node),
    ),
    req,
  };
}

function or(parts: Compiled[]): Compiled {
  const req: Requirement = {};
  const first = parts[0]?.req ?? {};
  for (const f of Object.keys(first) as PrefilterField[]) {
    if (parts.every((p) => p.req[f] !== undefined)) req[f] = [...new Set(parts.flatMap((p) => p.req[f] as string[]))];
  }
  return {
    node: combine(
      'or',
      parts.map((p) => p.node),
    ),
    req,
  };
}

function plainValues(key: string, value: unknown): { field: PrefilterField; values: string[] } | undefined {
  if (key.includes('|')) return undefined;
  const fields = mapField(key);
  if (fields.length !== 1 || !PREFILTER.has(fields[0] as string)) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    const s = String(v);
    if (/[*?\\]/.test(s)) return undefined;
    out.push(s.toLowerCase());
  }
  return out.length > 0 ? { field: fields[0] as PrefilterField, values: out } : undefined;
}

function compileMap(m: Record<string, unknown>, path: Array<string | number>): Compiled {
  const keys = Object.keys(m);
  if (keys.length === 0) throw new RuleCompileError('empty selection', path);
  const parts: Compiled[] = keys.map((k) => {
    const req: Requirement = {};
    const pv = plainValues(k, m[k]);
    if (pv) req[pv.field] = pv.values;
    return { node: compileFieldEntry(k, m[k], [...path, k]), req };
  });
  return and(parts);
}

/** One named selection. */
export function compileSelection(v: unknown, path: Array<string | number>): Compiled {
  if (isMap(v)) return compileMap(v, path);
  if (Array.isArray(v)) {
    if (v.length === 0) throw new RuleCompileError('empty selection list', path);
    return or(
      v.map((item, i) =>
        isMap(item) ? compileMap(item, [...path, i]) : { node: compileKeyword(item, [...path, i]), req: {} },
      ),
    );
  }
  if (typeof v === 'string' || typeof v === 'number') return { node: compileKeyword(v, path), req: {} };
  throw new RuleCompileError('a selection must be a map, a list or a keyword', path);
}

const TOKEN_RE = /\s*(\(|\)|[^\s()]+)/y;

function tokenize(cond: string, path: Array<string | number>): string[] {
  const out: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let pos = 0;
  for (let m = TOKEN_RE.exec(cond); m !== null; m = TOKEN_RE.exec(cond)) {
    out.push(m[1] as string);
    pos = TOKEN_RE.lastIndex;
  }
  if (cond.slice(pos).trim() !== '')
    throw new RuleCompileError(`cannot read condition at ${JSON.stringify(cond.slice(pos))}`, path);
  return out;
}

function globRe(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/** Parses `condition` over the compiled selections (recursive descent). */
function parseCondition(cond: string, sels: Map<string, Compiled>, path: Array<string | number>): Compiled {
  if (cond.includes('|'))
    throw new RuleCompileError('Sigma aggregations ("| count() ...") are not supported: use kyoka.threshold', path);
  const toks = tokenize(cond, path);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const fail = (why: string): never => {
    throw new RuleCompileError(`condition: ${why}`, path);
  };
  const expr = (): Compiled => {
    const parts = [term()];
    while (peek()?.toLowerCase() === 'or') {
      i++;
      parts.push(term());
    }
    return parts.length === 1 ? (parts[0] as Compiled) : or(parts);
  };
  const term = (): Compiled => {
    const parts = [factor()];
    while (peek()?.toLowerCase() === 'and') {
      i++;
      parts.push(factor());
    }
    return parts.length === 1 ? (parts[0] as Compiled) : and(parts);
  };
  const factor = (): Compiled => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    const lt = t.toLowerCase();
    if (lt === 'not') {
      i++;
      return { node: { op: 'not', of: factor().node }, req: {} };
    }
    if (t === '(') {
      i++;
      const e = expr();
      if (peek() !== ')') fail('missing )');
      i++;
      return e;
    }
    if ((lt === '1' || lt === 'any' || lt === 'all') && toks[i + 1]?.toLowerCase() === 'of') {
      const target = toks[i + 2];
      if (target === undefined) return fail(`"${t} of" needs a name pattern or "them"`);
      i += 3;
      const names = [...sels.keys()].filter((n) =>
        target.toLowerCase() === 'them' ? !n.startsWith('_') : globRe(target).test(n),
      );
      if (names.length === 0) fail(`no selection matches ${JSON.stringify(target)}`);
      const parts = names.map((n) => sels.get(n) as Compiled);
      return lt === 'all' ? and(parts) : or(parts);
    }
    if (t === ')' || lt === 'and' || lt === 'or' || lt === 'of') return fail(`unexpected ${JSON.stringify(t)}`);
    const sel = sels.get(t);
    if (!sel) return fail(`unknown selection ${JSON.stringify(t)}`);
    i++;
    return sel;
  };
  const out = expr();
  if (i < toks.length) fail(`unexpected ${JSON.stringify(toks[i])}`);
  return out;
}

/** Compiles a whole `detection` block. */
export function compileDetection(
  detection: unknown,
  path: Array<string | number> = ['detection'],
): Compiled & { pred: EventPredicate } {
  if (!isMap(detection)) throw new RuleCompileError('detection must be a map of selections plus condition', path);
  const sels = new Map<string, Compiled>();
  for (const [name, v] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    sels.set(name, compileSelection(v, [...path, name]));
  }
  const cond = detection.condition;
  const condPath = [...path, 'condition'];
  let out: Compiled;
  if (cond === undefined) {
    if (sels.size !== 1) throw new RuleCompileError('detection.condition is required', path);
    out = [...sels.values()][0] as Compiled;
  } else {
    const list = Array.isArray(cond) ? cond : [cond];
    if (list.length === 0 || list.some((c) => typeof c !== 'string'))
      throw new RuleCompileError('condition must be a string or a list of strings', condPath);
    out = or(list.map((c, n) => parseCondition(c as string, sels, Array.isArray(cond) ? [...condPath, n] : condPath)));
  }
  return { ...out, pred: planPredicate(out.node) };
}
