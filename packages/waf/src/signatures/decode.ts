/**
 * Normalisation before signature matching: attackers encode payloads so plain matching misses
 * them. We URL-decode repeatedly (tolerant of malformed %-escapes, %uXXXX too), decode HTML
 * entities for the XSS view, case-fold, and for SQL collapse comments and whitespace.
 */

const MAX_DECODE_ROUNDS = 3;
const PCT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const PCT_U = /%u([0-9a-fA-F]{4})/g;

/** One tolerant URL-decoding pass (invalid UTF-8 becomes U+FFFD; stray % stays). */
export function urlDecodeOnce(s: string): string {
  let out = s.includes('%u') ? s.replace(PCT_U, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))) : s;
  out = out.replace(PCT_RUN, (m) => Buffer.from(m.replace(/%/g, ''), 'hex').toString('utf8'));
  return out;
}

/** URL-decodes until stable or MAX_DECODE_ROUNDS passes (double/triple encoding). */
export function urlDecodeDeep(s: string, plusIsSpace = false): string {
  let cur = plusIsSpace && s.includes('+') ? s.replace(/\+/g, ' ') : s;
  for (let i = 0; i < MAX_DECODE_ROUNDS && cur.includes('%'); i++) {
    const next = urlDecodeOnce(cur);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}

const NAMED: Record<string, string> = {
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  amp: '&',
  colon: ':',
  tab: '\t',
  newline: '\n',
  lpar: '(',
  rpar: ')',
  sol: '/',
  bsol: '\\',
  semi: ';',
  equals: '=',
  grave: '`',
};

/** Decodes numeric and common named HTML entities (semicolon optional, as browsers allow). */
export function htmlDecode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, ent: string) => {
    if (ent[0] === '#') {
      const code = ent[1] === 'x' || ent[1] === 'X' ? Number.parseInt(ent.slice(2), 16) : Number(ent.slice(1));
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return NAMED[ent.toLowerCase()] ?? m;
  });
}

/** SQL view: comments become spaces (MySQL /*!50000 … *\/ keeps its body), whitespace collapsed. */
export function sqlView(lower: string): string {
  let s = lower;
  if (s.includes('/*'))
    s = s
      .replace(/\/\*!\d*/g, ' ')
      .replace(/\/\*.*?\*\//gs, ' ')
      .replace(/\*\//g, ' ');
  return s.replace(/[\s\u00a0]+/g, ' ');
}

/** HTML/JS view: entities decoded, control characters that browsers ignore inside URLs removed. */
export function htmlView(lower: string): string {
  return htmlDecode(lower)
    .toLowerCase()
    .replace(/[\t\r\n\0]/g, '');
}

export interface Views {
  /** URL-decoded, lower-cased. */
  plain: string;
  sql: string;
  html: string;
}

/** Values made only of these characters cannot carry any of our signatures: skip them fast. */
const HARMLESS = /^[a-z0-9_\-.,@]*$/i;

export function isHarmless(s: string): boolean {
  return s.length < 4096 && HARMLESS.test(s);
}

export function views(decoded: string): Views {
  const plain = decoded.toLowerCase();
  return { plain, sql: sqlView(plain), html: htmlView(plain) };
}
