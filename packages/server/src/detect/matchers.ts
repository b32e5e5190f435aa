/**
 * Sigma value matching, compiled once per rule: a field name with modifiers
 * (`field|contains|all`, `|re|i`, `|cidr`, `|base64offset|contains`, `|gte`...) and its value or
 * list of values become one closure over the event. Strings compare case-insensitively with
 * `*` / `?` wildcards (backslash escapes them), as Sigma specifies; `re` is case-sensitive
 * unless `|i`. Lists in the event (event.category) match when any element matches.
 */
import type { KyokaEvent } from '@kyoka/core';
import { RuleCompileError } from './errors.ts';
import { getter, lower, mapField } from './fields.ts';
import { addRange, emptyRanges, inRanges } from './ip-range.ts';
import type { EventPredicate } from './types.ts';

type ValueMatcher = (v: unknown) => boolean;

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

function lowerText(v: unknown): string | undefined {
  if (typeof v === 'string') return lower(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toLowerCase();
  return undefined;
}

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
      out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      plain += c;
    }
  }
  return wild ? { re: out } : { plain };
}

function stringMatcher(pattern: string, mode: 'eq' | 'contains' | 'startswith' | 'endswith'): ValueMatcher {
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
    switch (m) {
      case 'eq':
        return (v) => lowerText(v) === p;
      case 'contains':
        return (v) => lowerText(v)?.includes(p) === true;
      case 'startswith':
        return (v) => lowerText(v)?.startsWith(p) === true;
      case 'endswith':
        return (v) => lowerText(v)?.endsWith(p) === true;
    }
  }
  const src = `${m === 'eq' || m === 'startswith' ? '^' : ''}${w.re}${m === 'eq' || m === 'endswith' ? '$' : ''}`;
  const re = new RegExp(src, 's');
  return (v) => {
    const t = lowerText(v);
    return t !== undefined && re.test(t);
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

function valueMatcher(mods: Set<string>, value: unknown, path: Array<string | number>): ValueMatcher {
  if (value === null) return (v) => v === undefined || v === null;
  for (const op of ['lt', 'lte', 'gt', 'gte']) if (mods.has(op)) return numberMatcher(op, value, path);
  if (typeof value === 'object')
    throw new RuleCompileError('a field value must be a string, number, boolean or null', path);
  const text = String(value);
  if (text.length > MAX_PATTERN) throw new RuleCompileError(`value longer than ${MAX_PATTERN} characters`, path);
  if (mods.has('cidr')) {
    const r = emptyRanges();
    if (!addRange(r, text)) throw new RuleCompileError(`not an IP address or CIDR: ${JSON.stringify(text)}`, path);
    return (v) => inRanges(r, v);
  }
  if (mods.has('re')) {
    let re: RegExp;
    try {
      re = new RegExp(text, `${mods.has('i') ? 'i' : ''}${mods.has('m') ? 'm' : ''}${mods.has('s') ? 's' : ''}`);
    } catch (err) {
      throw new RuleCompileError(`bad regular expression: ${(err as Error).message}`, path);
    }
    return (v) => {
      const t = scalarText(v);
      return t !== undefined && re.test(t);
    };
  }
  let mode: 'eq' | 'contains' | 'startswith' | 'endswith' = 'eq';
  if (mods.has('contains')) mode = 'contains';
  else if (mods.has('startswith')) mode = 'startswith';
  else if (mods.has('endswith')) mode = 'endswith';
  if (mods.has('base64offset')) {
    const alts = b64offsets(text).map((p) => stringMatcher(p, mode === 'eq' ? 'contains' : mode));
    return (v) => alts.some((m) => m(v));
  }
  // Base64 text is case-sensitive: match it exactly (wildcards still apply).
  if (mods.has('base64')) {
    const enc = b64(text);
    if (mode === 'eq') return (v) => v === enc;
    if (mode === 'contains') return (v) => typeof v === 'string' && v.includes(enc);
    if (mode === 'startswith') return (v) => typeof v === 'string' && v.startsWith(enc);
    return (v) => typeof v === 'string' && v.endsWith(enc);
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

/** Compiles one `field|mods: value(s)` entry of a selection map. */
export function compileFieldEntry(key: string, value: unknown, path: Array<string | number>): EventPredicate {
  const [name, ...modList] = key.split('|');
  if (!name) throw new RuleCompileError('empty field name', path);
  const mods = new Set<string>();
  for (const m of modList) {
    const lm = m.toLowerCase();
    if (!KNOWN.has(lm)) throw new RuleCompileError(`unsupported modifier |${m}`, path);
    mods.add(lm);
  }
  const getters = mapField(name).map(getter);
  const get =
    getters.length === 1
      ? (getters[0] as (ev: KyokaEvent) => unknown)
      : (ev: KyokaEvent) => {
          for (const g of getters) {
            const v = g(ev);
            if (v !== undefined && v !== null) return v;
          }
          return undefined;
        };
  if (mods.has('exists')) {
    if (typeof value !== 'boolean') throw new RuleCompileError('|exists needs true or false', path);
    return (ev) => {
      const v = get(ev);
      return (v !== undefined && v !== null) === value;
    };
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new RuleCompileError('empty value list', path);
  const preds = values.map((v, i) => onValue(get, valueMatcher(mods, v, Array.isArray(value) ? [...path, i] : path)));
  if (preds.length === 1) return preds[0] as EventPredicate;
  if (mods.has('all')) return (ev) => preds.every((p) => p(ev));
  return (ev) => preds.some((p) => p(ev));
}

const KEYWORD_FIELDS = ['message', 'event.original'].map(getter);

/** A Sigma keyword (a selection entry without a field): contained in message or event.original. */
export function compileKeyword(value: unknown, path: Array<string | number>): EventPredicate {
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new RuleCompileError('a keyword must be a string or number', path);
  const m = stringMatcher(String(value), 'contains');
  return (ev) => {
    for (const g of KEYWORD_FIELDS) if (m(g(ev))) return true;
    return false;
  };
}
