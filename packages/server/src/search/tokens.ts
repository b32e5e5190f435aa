/**
 * Free-text token semantics, shared by the SQLite FTS5 index (which receives the tokens made
 * here, space-separated, so its unicode61 tokenizer only splits on the spaces), the SQLite
 * unindexed tail (kyoka_match), and PostgreSQL (a per-row token string matched with LIKE,
 * served by pg_trgm). One tokenizer in JS means one meaning, whatever the backend.
 *
 * A token is a maximal run of letters, digits and `.` `_` `-`, lowercased, diacritics removed
 * (NFD, marks dropped), with leading/trailing `.` `_` `-` trimmed. So an IPv4 address, a host
 * or dotted name (`example.com`, `ssh.login`), `admin_panel` are single tokens; `/etc/passwd`
 * is the tokens `etc` `passwd`, and `admin@example.com` is `admin` `example.com`: a query for
 * them becomes a phrase (adjacent tokens), so paths, e-mail addresses and URLs are found by
 * what an analyst types. Numbers (JSON numbers) and @timestamp are not indexed.
 */

const SEP = /[^\p{L}\p{N}\p{Co}._-]+/u;
const SEP_WILD = /[^\p{L}\p{N}\p{Co}._*?-]+/u;
const MARKS = /\p{M}+/gu;
const EDGE = /^[._-]+|[._-]+$/g;
const EDGES = new Set(['.', '_', '-']);
// private-use character: separates values in the index so a phrase never spans two values
export const VALUE_SEP = '\uE000';

function fold(s: string): string {
  // fast path for the common all-ASCII case: no normalization needed
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7e) {
      ascii = false;
      break;
    }
  }
  const low = s.toLowerCase();
  return ascii ? low : low.normalize('NFD').replace(MARKS, '').replaceAll(VALUE_SEP, ' ');
}

function split(s: string, sep: RegExp): string[] {
  const out: string[] = [];
  for (const raw of fold(s).split(sep)) {
    const t = raw.length && (EDGES.has(raw[0]!) || EDGES.has(raw[raw.length - 1]!)) ? raw.replace(EDGE, '') : raw;
    if (t.length) out.push(t);
  }
  return out;
}

/** Token characters of ASCII: letters, digits, `.` `_` `-` (what SEP keeps below 0x7f). */
const ASCII_TOKEN = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ASCII_TOKEN[c] = /[A-Za-z0-9._-]/.test(ch) ? 1 : 0;
}

/**
 * tokens() for an all-ASCII value (below 0x7f), or null when `s` has any other character:
 * one pass over the character codes instead of a Unicode-property regex split (the full-text
 * catch-up tokenizes every stored event: tokenText() of a bench event went from 11 to 5.4 µs
 * with this and the streaming form below). Same tokens as split(s, SEP): tokens.test.ts.
 */
function asciiTokens(s: string): string[] | null {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 32;
    if (c > 0x7e) return null;
    if (ASCII_TOKEN[c] === 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    // a run of token characters: trim `.` `_` `-` at both ends (EDGE)
    let a = start;
    let b = i;
    start = -1;
    while (a < b && isEdge(s.charCodeAt(a))) a++;
    while (b > a && isEdge(s.charCodeAt(b - 1))) b--;
    if (b > a) out.push(s.slice(a, b).toLowerCase());
  }
  return out;
}

function isEdge(c: number): boolean {
  return c === 46 || c === 95 || c === 45; // . _ -
}

/** Tokens of one text value. */
export function tokens(s: string): string[] {
  return asciiTokens(s) ?? split(s, SEP);
}

/** The regex path alone (tests compare asciiTokens with it). */
export function tokensByRegex(s: string): string[] {
  return split(s, SEP);
}

/** Tokens of a wildcard pattern (`*` and `?` stay inside tokens). */
export function patternTokens(s: string): string[] {
  return split(s, SEP_WILD);
}

/** The event's string values (not keys, numbers or @timestamp), in document order. */
export function leafStrings(doc: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') for (const k in v) walk((v as Record<string, unknown>)[k]);
  };
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const k in doc) if (k !== '@timestamp') walk((doc as Record<string, unknown>)[k]);
  } else walk(doc);
  return out;
}

/**
 * Index text of an event: tokens space-separated, values separated by VALUE_SEP, with a space
 * at both ends (PostgreSQL matches ` tok ` with LIKE; FTS5 ignores the spaces).
 */
export function tokenText(doc: unknown): string {
  text.out = ' ';
  text.first = true;
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    for (const k in o) if (k !== '@timestamp') addLeaves(o[k]);
  } else addLeaves(doc);
  const out = text.out;
  text.out = '';
  return out;
}

/** tokenText()'s output while it is built (module state: no closure or leaf array per event). */
const text = { out: '', first: true };

/** Appends the tokens of every string under `v`, in leafStrings() order. */
function addLeaves(v: unknown): void {
  if (typeof v === 'string') addValue(v);
  else if (Array.isArray(v)) for (const x of v) addLeaves(x);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) addLeaves(o[k]);
  }
}

/**
 * Appends one value's tokens: `tok tok ` after a `VALUE_SEP ` when a value came before. ASCII
 * values are tokenized in place (asciiTokens' rules), without a token array or join.
 */
function addValue(v: string): void {
  let low: string | undefined;
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) > 0x7e) {
      const t = split(v, SEP);
      if (!t.length) return;
      if (!text.first) text.out += `${VALUE_SEP} `;
      text.out += `${t.join(' ')} `;
      text.first = false;
      return;
    }
  }
  let start = -1;
  let started = false;
  for (let i = 0; i <= v.length; i++) {
    if (i < v.length && ASCII_TOKEN[v.charCodeAt(i)] === 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    let a = start;
    let b = i;
    start = -1;
    while (a < b && isEdge(v.charCodeAt(a))) a++;
    while (b > a && isEdge(v.charCodeAt(b - 1))) b--;
    if (b === a) continue;
    if (!started) {
      // the value's first token: separate it from the previous value's
      if (!text.first) text.out += `${VALUE_SEP} `;
      text.first = false;
      started = true;
      low = v.toLowerCase();
    }
    text.out += `${(low as string).slice(a, b)} `;
  }
}

/**
 * A compiled free-text word or phrase: consecutive token conditions inside one value. Each is
 * an exact token, a prefix (only the last one, from a trailing `*`), or a glob over one token.
 */
export interface TextSpec {
  toks: string[];
  /** The last token is a prefix. */
  prefix: boolean;
  /** Some token holds `*` / `?` in the middle or front: each is a one-token glob. */
  glob: boolean;
}

export function textSpec(value: string, wildcard: boolean): TextSpec | null {
  if (!wildcard || !/[*?]/.test(value)) {
    const toks = tokens(value);
    return toks.length ? { toks, prefix: false, glob: false } : null;
  }
  const toks = patternTokens(value);
  if (!toks.length || toks.every((t) => /^[*?]+$/.test(t) && t.includes('*'))) return null; // matches anything
  const last = toks[toks.length - 1]!;
  const head = toks.slice(0, -1).join(' ') + last.slice(0, -1);
  if (last.endsWith('*') && !/[*?]/.test(head) && last.length > 1) {
    return { toks: [...toks.slice(0, -1), last.slice(0, -1)], prefix: true, glob: false };
  }
  return { toks, prefix: false, glob: true };
}

function globRe(t: string): RegExp {
  let src = '';
  for (const ch of t) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return new RegExp(`^${src}$`, 'su');
}

/** Matcher of a spec over an event document (the unindexed tail and wildcard verification). */
export function specMatcher(spec: TextSpec): (doc: unknown) => boolean {
  const n = spec.toks.length;
  const res = spec.glob ? spec.toks.map(globRe) : null;
  const eq = (tok: string, i: number): boolean => {
    if (res) return res[i]!.test(tok);
    if (spec.prefix && i === n - 1) return tok.startsWith(spec.toks[i]!);
    return tok === spec.toks[i];
  };
  return (doc) => {
    for (const v of leafStrings(doc)) {
      const t = tokens(v);
      for (let s = 0; s + n <= t.length; s++) {
        let i = 0;
        while (i < n && eq(t[s + i]!, i)) i++;
        if (i === n) return true;
      }
    }
    return false;
  };
}

/** FTS5 MATCH expression of a spec, or null when the index cannot narrow it (leading glob). */
export function ftsQuery(spec: TextSpec): string | null {
  if (!spec.glob) return `"${spec.toks.join(' ')}"${spec.prefix ? ' *' : ''}`;
  // glob: the literal start of the first token as a prefix; verified row by row afterwards
  const lit = spec.toks[0]!.split(/[*?]/)[0]!;
  return lit.length ? `"${lit}" *` : null;
}

/** LIKE pattern (escape `\`) on PostgreSQL's token string; exact unless spec.glob. */
export function tokenLike(spec: TextSpec): string {
  const esc = (s: string) => s.replace(/[\\%_]/g, '\\$&');
  if (spec.glob) {
    const parts = spec.toks.map((t) => [...t].map((c) => (c === '*' ? '%' : c === '?' ? '_' : esc(c))).join(''));
    return `% ${parts.join(' ')} %`;
  }
  return `% ${esc(spec.toks.join(' '))}${spec.prefix ? '' : ' '}%`;
}

/** POSIX regex (PostgreSQL ~) verifying a glob spec on the token string. */
export function tokenRegex(spec: TextSpec): string {
  const one = (t: string) =>
    [...t]
      .map((c) =>
        c === '*' ? `[^ ${VALUE_SEP}]*` : c === '?' ? `[^ ${VALUE_SEP}]` : c.replace(/[.^$|()[\]{}*+?\\]/g, '\\$&'),
      )
      .join('');
  return ` ${spec.toks.map(one).join(' ')} `;
}

/** The longest token literal (prefilter for the unindexed tail). */
export function longestLiteral(spec: TextSpec): string {
  let best = '';
  for (const t of spec.toks) for (const part of t.split(/[*?]/)) if (part.length > best.length) best = part;
  return best;
}
