/**
 * The signature engine: splits a request into the parts attackers put payloads in (path, query
 * and body arguments — names and values —, cookies, a few headers, the User-Agent), normalises
 * each (decode.ts) and runs the signatures that apply to that part (rules.ts). Written for
 * Kyoka because no maintained JavaScript WAF engine exists. Bounded work per request: values
 * are cut at MAX_VALUE chars, at most MAX_VALUES values and MAX_HITS hits.
 * Hot path (every request): no closures allocated per request, hit labels built only on a hit,
 * verdicts for repeating values (User-Agent, path, inspected headers) memoised.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isHarmless, urlDecodeDeep, type Views, views } from './decode.ts';
import { boundaryOf, parseMultipart } from './multipart.ts';
import { type Category, SIGNATURES, type Signature, type Target } from './rules.ts';

const MAX_VALUE = 16 * 1024;
const MAX_VALUES = 512;
const MAX_HITS = 8;
const MAX_JSON_DEPTH = 16;
const NONE: readonly Signature[] = Object.freeze([]);

/** Headers inspected besides User-Agent and Cookie. */
const INSPECTED_HEADERS = [
  'referer',
  'origin',
  'x-forwarded-host',
  'x-original-url',
  'x-rewrite-url',
  'accept-language',
];

export interface InspectRequest {
  /** Raw request target (path and query, as received). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Request body (already capped by the caller); inspected when urlencoded, JSON or text. */
  body?: Buffer;
}

export interface SignatureHit {
  id: string;
  category: Category;
  /** Where it matched: path, arg:NAME, cookie:NAME, header:NAME, user-agent, body. */
  target: string;
}

export interface SignatureEngine {
  readonly signatures: readonly Signature[];
  inspect(req: InspectRequest): SignatureHit[];
}

export interface EngineOptions {
  /** Signature ids or categories to switch off. */
  disable?: readonly string[];
}

/** Per-request state of one inspection (a plain object: no closures allocated per request). */
interface Scan {
  hits: SignatureHit[];
  budget: number;
}

export function createSignatureEngine(opts: EngineOptions = {}): SignatureEngine {
  const off = new Set(opts.disable ?? []);
  const enabled = SIGNATURES.filter((s) => !off.has(s.id) && !off.has(s.category));
  const byTarget: Record<Target, readonly Signature[]> = {
    path: enabled.filter((s) => s.targets.includes('path')),
    arg: enabled.filter((s) => s.targets.includes('arg')),
    cookie: enabled.filter((s) => s.targets.includes('cookie')),
    header: enabled.filter((s) => s.targets.includes('header')),
    ua: enabled.filter((s) => s.targets.includes('ua')),
  };

  // Verdicts for values that repeat across requests (User-Agent, path, headers such as
  // Accept-Language and Referer): most traffic reuses a few. Query/body/cookie values are not
  // memoised (they are mostly unique). Bounded: cleared when full.
  const memo: Record<Target, Map<string, readonly Signature[]> | undefined> = {
    path: new Map(),
    ua: new Map(),
    header: new Map(),
    arg: undefined,
    cookie: undefined,
  };
  const MEMO_MAX = 10_000;
  const MEMO_VALUE_MAX = 512;

  function matching(raw: string, target: Target, plusIsSpace: boolean): readonly Signature[] {
    const sigs = byTarget[target];
    if (sigs.length === 0) return NONE;
    const value = raw.length > MAX_VALUE ? raw.slice(0, MAX_VALUE) : raw;
    if (isHarmless(value)) return NONE;
    const decoded = urlDecodeDeep(value, plusIsSpace);
    let v: Views | undefined;
    let out: Signature[] | undefined;
    for (let i = 0; i < sigs.length; i++) {
      const sig = sigs[i] as Signature;
      let subject: string;
      if (sig.view === 'raw') subject = value;
      else {
        if (v === undefined) v = isHarmless(decoded) ? EMPTY_VIEWS : views(decoded);
        subject = v[sig.view];
      }
      if (subject.length > 0 && sig.re.test(subject)) {
        if (out === undefined) out = [];
        out.push(sig);
      }
    }
    return out ?? NONE;
  }

  function verdict(raw: string, target: Target, plusIsSpace: boolean): readonly Signature[] {
    const m = memo[target];
    if (m === undefined || raw.length > MEMO_VALUE_MAX) return matching(raw, target, plusIsSpace);
    let r = m.get(raw);
    if (r === undefined) {
      r = matching(raw, target, plusIsSpace);
      if (m.size >= MEMO_MAX) m.clear();
      m.set(raw, r);
    }
    return r;
  }

  /** Checks one value; `prefix`/`name` make the hit label (`prefix:name`, or `prefix` alone). */
  function check(
    scan: Scan,
    raw: string,
    target: Target,
    prefix: string,
    name: string | undefined,
    plusIsSpace: boolean,
  ): void {
    if (scan.hits.length >= MAX_HITS || scan.budget-- <= 0 || raw.length === 0) return;
    const sigs = verdict(raw, target, plusIsSpace);
    if (sigs.length === 0) return;
    const label = name === undefined ? prefix : `${prefix}:${name.slice(0, 64)}`;
    for (const sig of sigs) {
      if (scan.hits.some((h) => h.id === sig.id)) continue;
      scan.hits.push({ id: sig.id, category: sig.category, target: label });
      if (scan.hits.length >= MAX_HITS) return;
    }
  }

  function checkPairs(scan: Scan, s: string, prefix: string, target: Target): void {
    let start = 0;
    while (start <= s.length) {
      let end = s.indexOf('&', start);
      if (end < 0) end = s.length;
      if (end > start) {
        const part = s.slice(start, end);
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        check(scan, name, target, prefix, name, true);
        if (eq >= 0) check(scan, part.slice(eq + 1), target, prefix, name, true);
      }
      start = end + 1;
    }
  }

  const bodyChecks: BodyChecks = {
    check: (scan, raw, label, name) => check(scan, raw, 'arg', label, name, false),
    pairs: (scan, s) => checkPairs(scan, s, 'body', 'arg'),
  };

  function inspect(req: InspectRequest): SignatureHit[] {
    const scan: Scan = { hits: [], budget: MAX_VALUES };
    if (enabled.length === 0) return scan.hits;
    // User-Agent first: the most telling part, and it must not be crowded out by MAX_HITS.
    const h = req.headers;
    const ua = h['user-agent'];
    if (ua) check(scan, ua, 'ua', 'user-agent', undefined, false);
    const url = req.url;
    const q = url.indexOf('?');
    check(scan, q < 0 ? url : url.slice(0, q), 'path', 'path', undefined, false);
    if (q >= 0) checkPairs(scan, url.slice(q + 1), 'arg', 'arg');

    const cookie = h.cookie;
    if (cookie) {
      for (const c of cookie.split(';')) {
        const eq = c.indexOf('=');
        const name = (eq < 0 ? c : c.slice(0, eq)).trim();
        check(scan, eq < 0 ? c : c.slice(eq + 1), 'cookie', 'cookie', name, false);
      }
    }
    for (let i = 0; i < INSPECTED_HEADERS.length; i++) {
      const name = INSPECTED_HEADERS[i] as string;
      const val = h[name];
      if (typeof val === 'string') check(scan, val, 'header', HEADER_LABELS[i] as string, undefined, false);
    }
    if (req.body && req.body.length > 0) inspectBody(scan, req.body, String(h['content-type'] ?? ''), bodyChecks);
    return scan.hits;
  }

  return { signatures: enabled, inspect };
}

const EMPTY_VIEWS: Views = Object.freeze({ plain: '', sql: '', html: '' });
const HEADER_LABELS = INSPECTED_HEADERS.map((n) => `header:${n}`);

interface BodyChecks {
  check(scan: Scan, raw: string, label: string, name: string | undefined): void;
  pairs(scan: Scan, s: string): void;
}

function inspectBody(scan: Scan, body: Buffer, contentType: string, c: BodyChecks): void {
  const ct = contentType.toLowerCase();
  if (ct.startsWith('multipart/form-data')) {
    inspectMultipart(scan, body, contentType, c);
    return;
  }
  const text = body.toString('utf8');
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    c.pairs(scan, text);
  } else if (ct.includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      c.check(scan, text, 'body', undefined);
      return;
    }
    walkJson(scan, parsed, 'body', undefined, 0, c);
  } else if (ct.startsWith('text/') || ct.includes('xml') || ct === '') {
    c.check(scan, text, 'body', undefined);
  }
}

function inspectMultipart(scan: Scan, body: Buffer, contentType: string, c: BodyChecks): void {
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    c.check(scan, body.toString('utf8'), 'body', undefined);
    return;
  }
  for (const p of parseMultipart(body, boundary)) {
    c.check(scan, p.name, 'body', p.name);
    // a file's name (path traversal, markup), not its content
    c.check(scan, p.filename ?? p.value, 'body', p.name);
  }
}

function walkJson(
  scan: Scan,
  v: unknown,
  prefix: string,
  name: string | undefined,
  depth: number,
  c: BodyChecks,
): void {
  if (depth > MAX_JSON_DEPTH) return;
  if (typeof v === 'string') c.check(scan, v, prefix, name);
  else if (Array.isArray(v)) for (const x of v) walkJson(scan, x, prefix, name, depth + 1, c);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      c.check(scan, k, 'body', k);
      walkJson(scan, x, 'body', k, depth + 1, c);
    }
  }
}
