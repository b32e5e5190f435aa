/**
 * Sigma value matching, compiled once per rule: a field name with modifiers
 * (`field|contains|all`, `|re|i`, `|cidr`, `|base64offset|contains`, `|gte`...) and its value or
 * list of values become one closure over the event. Strings compare case-insensitively with
 * `*` / `?` wildcards (backslash escapes them), as Sigma specifies; `re` is case-sensitive
 * unless `|i`. Lists in the event (event.category) match when any element matches.
 * Each value becomes one Atom (types.ts) with a canonical key, plus what kind of literal it
 * is, so the engine can evaluate a test shared by many rules once per event and prefilter
 * the literals of one field together (shared.ts).
 */
import type { KyokaEvent } from '@kyoka/core';
import { RuleCompileError } from './errors.ts';
import { type Getter, getter, lower, mapField } from './fields.ts';
import { addRange, emptyRanges, inRanges } from './ip-range.ts';
import { atomNode, combine } from './plan.ts';
import type { Atom, AtomLit, EventPredicate, PlanNode } from './types.ts';

type ValueMatcher = (v: unknown) => boolean;
interface VM {
  m: ValueMatcher;
  lit?: AtomLit;
}

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'exists',
  'lt',
  'lte',
  'gt',
  'gte',
  'base64',
  'base64offset',
]);
const MAX_PATTERN = 4096;

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function lowerText(v: unknown): string | undefined {
  if (typeof v === 'string') return lower(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toLowerCase();
  return undefined;
}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Sigma wildcard text → { plain } when it has no wildcard, else an anchored-or-not RegExp source. */
function wildcard(pattern: string): { plain: string } | { re: string } {
  let out = '';
  let plain = '';
  let wild = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length && '*?\\'.includes(pattern[i + 1] as string)) {
      const lit = pattern[++i] as string;
      out += `\\${lit}`;
      plain += lit;
    } else if (c === '*') {
      out += '.*';
      wild = true;
    } else if (c === '?') {
      out += '.';
      wild = true;
    } else {
      out += reEscape(c);
      plain += c;
    }
  }
  return wild ? { re: out } : { plain };
}

function stringMatcher(pattern: string, mode: 'eq' | 'contains' | 'startswith' | 'endswith'): VM {
  let lowered = pattern.toLowerCase();
  let m = mode;
  // A leading / trailing unescaped `*` is the same as contains / startswith / endswith: fold
  // it into the mode, so common patterns stay plain string operations (and no regex starts
  // or ends with an unanchored .*, which is quadratic on long text).
  const lead = lowered.startsWith('*');
  const trail = lowered.endsWith('*') && !lowered.endsWith('\\*');
  if (lead || trail) {
    const starts = m === 'eq' || m === 'startswith';
    const ends = m === 'eq' || m === 'endswith';
    const anchoredStart = starts && !lead;
    const anchoredEnd = ends && !trail;
    lowered = lowered.slice(lead ? 1 : 0, trail ? -1 : undefined);
    m = anchoredStart && anchoredEnd ? 'eq' : anchoredStart ? 'startswith' : anchoredEnd ? 'endswith' : 'contains';
  }
  const w = wildcard(lowered);
  if ('plain' in w) {
    const p = w.plain;
    const e = reEscape(p);
    switch (m) {
      case 'eq':
        return { m: (v) => lowerText(v) === p, lit: { kind: 'eq', value: p } };
      case 'contains':
        return { m: (v) => lowerText(v)?.includes(p) === true, lit: { kind: 're', src: e } };
      case 'startswith':
        return { m: (v) => lowerText(v)?.startsWith(p) === true, lit: { kind: 're', src: `^${e}` } };
      case 'endswith':
        return { m: (v) => lowerText(v)?.endsWith(p) === true, lit: { kind: 're', src: `${e}$` } };
    }
  }
  const src = `${m === 'eq' || m === 'startswith' ? '^' : ''}${w.re}${m === 'eq' || m === 'endswith' ? '$' : ''}`;
  const re = new RegExp(src, 's');
  return {
    m: (v) => {
      const t = lowerText(v);
      return t !== undefined && re.test(t);
    },
    lit: { kind: 're', src },
  };
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** Sigma base64offset: the three encodings of `s` at byte offsets 0, 1, 2, trimmed to the stable part. */
function b64offsets(s: string): string[] {
  const start = [0, 2, 3];
  const endTrim = [0, 3, 2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = b64(' '.repeat(i) + s);
    const tail = (s.length + i) % 3;
    const end = enc.length - (tail === 0 ? 0 : (endTrim[tail] as number));
    out.push(enc.slice(start[i] as number, end));
  }
  return out;
}

function numberMatcher(op: string, value: unknown, path: Array<string | number>): ValueMatcher {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new RuleCompileError(`|${op} needs a number`, path);
  const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN);
  switch (op) {
    case 'lt':
      return (v) => num(v) < n;
    case 'lte':
      return (v) => num(v) <= n;
    case 'gt':
      return (v) => num(v) > n;
    default:
      return (v) => num(v) >= n;
  }
}

function valueMatcher(mods: Set<string>, value: unknown, path: Array<string | number>): VM {
  if (value === null) return { m: (v) => v === undefined || v === null };
  for (const op of ['lt', 'lte', 'gt', 'gte']) if (mods.has(op)) return { m: numberMatcher(op, value, path) };
  if (typeof value === 'object')
    throw new RuleCompileError('a field value must be a string, number, boolean or null', path);
  const text = String(value);
  if (text.length > MAX_PATTERN) throw new RuleCompileError(`value longer than ${MAX_PATTERN} characters`, path);
  if (mods.has('cidr')) {
    const r = emptyRanges();
    if (!addRange(r, text)) throw new RuleCompileError(`not an IP address or CIDR: ${JSON.stringify(text)}`, path);
    return { m: (v) => inRanges(r, v), lit: { kind: 'cidr', ranges: r } };
  }
  if (mods.has('re')) {
    let re: RegExp;
    try {
      re = new RegExp(text, `${mods.has('i') ? 'i' : ''}${mods.has('m') ? 'm' : ''}${mods.has('s') ? 's' : ''}`);
    } catch (err) {
      throw new RuleCompileError(`bad regular expression: ${(err as Error).message}`, path);
    }
    return {
      m: (v) => {
        const t = scalarText(v);
        return t !== undefined && re.test(t);
      },
    };
  }
  let mode: 'eq' | 'contains' | 'startswith' | 'endswith' = 'eq';
  if (mods.has('contains')) mode = 'contains';
  else if (mods.has('startswith')) mode = 'startswith';
  else if (mods.has('endswith')) mode = 'endswith';
  if (mods.has('base64offset')) {
    const alts = b64offsets(text).map((p) => stringMatcher(p, mode === 'eq' ? 'contains' : mode).m);
    return { m: (v) => alts.some((m) => m(v)) };
  }
  // Base64 text is case-sensitive: match it exactly (wildcards still apply).
  if (mods.has('base64')) {
    const enc = b64(text);
    if (mode === 'eq') return { m: (v) => v === enc };
    if (mode === 'contains') return { m: (v) => typeof v === 'string' && v.includes(enc) };
    if (mode === 'startswith') return { m: (v) => typeof v === 'string' && v.startsWith(enc) };
    return { m: (v) => typeof v === 'string' && v.endsWith(enc) };
  }
  return stringMatcher(text, mode);
}

/** Any element of an event array matches, or the scalar itself. */
function onValue(get: (ev: KyokaEvent) => unknown, m: ValueMatcher): EventPredicate {
  return (ev) => {
    const v = get(ev);
    if (Array.isArray(v)) {
      if (v.length === 0) return m(undefined);
      for (const x of v) if (m(x)) return true;
      return false;
    }
    return m(v);
  };
}

/** The value of the first of `fields` the event has (Sigma names may map to several ECS fields). */
function firstOf(fields: string[]): Getter {
  const getters = fields.map(getter);
  if (getters.length === 1) return getters[0] as Getter;
  return (ev) => {
    for (const g of getters) {
      const v = g(ev);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  };
}

/** Compiles one `field|mods: value(s)` entry of a selection map. */
export function compileFieldEntry(key: string, value: unknown, path: Array<string | number>): PlanNode {
  const [name, ...modList] = key.split('|');
  if (!name) throw new RuleCompileError('empty field name', path);
  const mods = new Set<string>();
  for (const m of modList) {
    const lm = m.toLowerCase();
    if (!KNOWN.has(lm)) throw new RuleCompileError(`unsupported modifier |${m}`, path);
    mods.add(lm);
  }
  const fields = mapField(name);
  const get = firstOf(fields);
  const fkey = JSON.stringify(fields);
  const modKey = [...mods].sort().join('|');
  if (mods.has('exists')) {
    if (typeof value !== 'boolean') throw new RuleCompileError('|exists needs true or false', path);
    const pred: EventPredicate = (ev) => {
      const v = get(ev);
      return (v !== undefined && v !== null) === value;
    };
    return atomNode({ key: `${fkey}|exists|${value}`, pred });
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new RuleCompileError('empty value list', path);
  const field = { key: fkey, get, keyword: false };
  const nodes = values.map((v, i) => {
    const vm = valueMatcher(mods, v, Array.isArray(value) ? [...path, i] : path);
    const atom: Atom = { key: `${fkey}|${modKey}|${JSON.stringify(v)}`, pred: onValue(get, vm.m) };
    if (vm.lit) {
      atom.lit = vm.lit;
      atom.field = field;
    }
    return atomNode(atom);
  });
  return combine(mods.has('all') ? 'and' : 'or', nodes);
}

const KEYWORD_FIELDS = ['message', 'event.original'].map(getter);
const keywordField = { key: 'keyword', get: KEYWORD_FIELDS[0] as Getter, keyword: true };

/** A Sigma keyword (a selection entry without a field): contained in message or event.original. */
export function compileKeyword(value: unknown, path: Array<string | number>): PlanNode {
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new RuleCompileError('a keyword must be a string or number', path);
  const { m, lit } = stringMatcher(String(value), 'contains');
  const pred: EventPredicate = (ev) => {
    for (const g of KEYWORD_FIELDS) if (m(g(ev))) return true;
    return false;
  };
  return atomNode({
    key: `keyword|${JSON.stringify(String(value))}`,
    pred,
    field: keywordField,
    ...(lit ? { lit } : {}),
  });
}

/** The getters a keyword atom reads (shared.ts prefilters them together). */
export const keywordGetters: readonly Getter[] = KEYWORD_FIELDS;
