/**
 * The signature engine: splits a request into the parts attackers put payloads in (path, query
 * and body arguments — names and values —, cookies, a few headers, the User-Agent), normalises
 * each (decode.ts) and runs the signatures that apply to that part (rules.ts). Written for
 * Kyoka because no maintained JavaScript WAF engine exists. Bounded work per request: values
 * are cut at MAX_VALUE chars, at most MAX_VALUES values and MAX_HITS hits.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isHarmless, urlDecodeDeep, type Views, views } from './decode.ts';
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

export function createSignatureEngine(opts: EngineOptions = {}): SignatureEngine {
  const off = new Set(opts.disable ?? []);
  const enabled = SIGNATURES.filter((s) => !off.has(s.id) && !off.has(s.category));
  const byTarget = new Map<Target, Signature[]>();
  for (const t of ['path', 'arg', 'cookie', 'header', 'ua'] as const) {
    byTarget.set(
      t,
      enabled.filter((s) => s.targets.includes(t)),
    );
  }

  // Verdicts for values that repeat across requests (User-Agent, path): most traffic reuses a few.
  const memo = new Map<string, readonly Signature[]>();
  const MEMO_MAX = 10_000;
  const MEMO_VALUE_MAX = 512;

  function matching(raw: string, target: Target, plusIsSpace: boolean): readonly Signature[] {
    const value = raw.length > MAX_VALUE ? raw.slice(0, MAX_VALUE) : raw;
    if (isHarmless(value)) return NONE;
    const decoded = urlDecodeDeep(value, plusIsSpace);
    let v: Views | undefined;
    let out: Signature[] | undefined;
    for (const sig of byTarget.get(target) as Signature[]) {
      let subject: string;
      if (sig.view === 'raw') subject = value;
      else {
        if (!v) v = isHarmless(decoded) ? { plain: '', sql: '', html: '' } : views(decoded);
        subject = v[sig.view];
      }
      if (subject && sig.re.test(subject)) {
        out ??= [];
        out.push(sig);
      }
    }
    return out ?? NONE;
  }

  function matchingMemo(raw: string, target: Target): readonly Signature[] {
    if (raw.length > MEMO_VALUE_MAX) return matching(raw, target, false);
    const key = `${target}\u0000${raw}`;
    let r = memo.get(key);
    if (r === undefined) {
      r = matching(raw, target, false);
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.set(key, r);
    }
    return r;
  }

  function inspect(req: InspectRequest): SignatureHit[] {
    const hits: SignatureHit[] = [];
    const seen = new Set<string>();
    let budget = MAX_VALUES;

    const check = (raw: string, target: Target, label: string, plusIsSpace: boolean): void => {
      if (hits.length >= MAX_HITS || budget-- <= 0 || raw.length === 0) return;
      const sigs =
        target === 'ua' || target === 'path' ? matchingMemo(raw, target) : matching(raw, target, plusIsSpace);
      for (const sig of sigs) {
        if (seen.has(sig.id)) continue;
        seen.add(sig.id);
        hits.push({ id: sig.id, category: sig.category, target: label });
        if (hits.length >= MAX_HITS) return;
      }
    };

    const checkPairs = (s: string, prefix: string, target: Target): void => {
      for (const part of s.split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        const label = `${prefix}:${name.slice(0, 64)}`;
        check(name, target, label, true);
        if (eq >= 0) check(part.slice(eq + 1), target, label, true);
      }
    };

    // User-Agent first: the most telling part, and it must not be crowded out by MAX_HITS.
    const h = req.headers;
    const ua = h['user-agent'];
    if (ua) check(ua, 'ua', 'user-agent', false);
    const url = req.url;
    const q = url.indexOf('?');
    check(q < 0 ? url : url.slice(0, q), 'path', 'path', false);
    if (q >= 0) checkPairs(url.slice(q + 1), 'arg', 'arg');

    const cookie = h.cookie;
    if (cookie) {
      for (const c of cookie.split(';')) {
        const eq = c.indexOf('=');
        const name = (eq < 0 ? c : c.slice(0, eq)).trim();
        check(eq < 0 ? c : c.slice(eq + 1), 'cookie', `cookie:${name.slice(0, 64)}`, false);
      }
    }
    for (const name of INSPECTED_HEADERS) {
      const val = h[name];
      if (typeof val === 'string') check(val, 'header', `header:${name}`, false);
    }
    if (req.body && req.body.length > 0) inspectBody(req.body, String(h['content-type'] ?? ''), check, checkPairs);
    return hits;
  }

  return { signatures: enabled, inspect };
}

type Check = (raw: string, target: Target, label: string, plusIsSpace: boolean) => void;

function inspectBody(
  body: Buffer,
  contentType: string,
  check: Check,
  checkPairs: (s: string, prefix: string, t: Target) => void,
): void {
  const ct = contentType.toLowerCase();
  const text = body.toString('utf8');
  if (ct.startsWith('application/x-www-form-urlencoded')) {
    checkPairs(text, 'body', 'arg');
  } else if (ct.includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      check(text, 'arg', 'body', false);
      return;
    }
    walkJson(parsed, 'body', 0, check);
  } else if (ct.startsWith('text/') || ct.includes('xml') || ct === '') {
    check(text, 'arg', 'body', false);
  }
}

function walkJson(v: unknown, path: string, depth: number, check: Check): void {
  if (depth > MAX_JSON_DEPTH) return;
  if (typeof v === 'string') check(v, 'arg', path, false);
  else if (Array.isArray(v)) for (const x of v) walkJson(x, path, depth + 1, check);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const label = `body:${k.slice(0, 64)}`;
      check(k, 'arg', label, false);
      walkJson(x, label, depth + 1, check);
    }
  }
}
