/**
 * Completes and validates an event submitted by a producer: the one gate every event passes
 * before storage. Hand-written rather than a generic schema validator because it also
 * normalizes (ids, timestamps, IPv4-mapped addresses) and runs on the ingest hot path.
 */
import ipaddr from 'ipaddr.js';
import { KyokaError } from '../errors/index.ts';
import type { EventInput, KyokaEvent } from './types.ts';
import { newId } from './ulid.ts';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_DEPTH = 16;
const ISO_MS_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Years 1970..9999: what ULIDs and ISO-8601 without extended years can hold. */
const MIN_TS = 0;
const MAX_TS = 253_402_300_799_999;

let ingestedAt = -1;
let ingestedIso = '';
/** Batches share one receive time: format it once. */
function isoOf(t: number): string {
  if (t !== ingestedAt) {
    ingestedAt = t;
    ingestedIso = new Date(t).toISOString();
  }
  return ingestedIso;
}

const EVENT_STRING_FIELDS = ['action', 'dataset', 'module', 'kind', 'outcome', 'original'] as const;
const EVENT_LIST_FIELDS = ['category', 'type'] as const;

function isStringArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const x of v) if (typeof x !== 'string') return false;
  return true;
}

function bad(path: string, why: string): never {
  throw new KyokaError('KYOKA_E_BAD_EVENT', `${path}: ${why}`, { details: { field: path } });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Canonical text form of an IP, IPv4-mapped IPv6 folded to IPv4; undefined when invalid. */
const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function normalizeIp(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 64) return undefined;
  // Fast path: canonical dotted-quad IPv4 is already normalized (most events).
  if (IPV4_RE.test(v)) return v;
  let s = v.trim();
  const pct = s.indexOf('%');
  if (pct > 0) s = s.slice(0, pct); // drop IPv6 zone ids
  if (!ipaddr.isValid(s)) return undefined;
  const addr = ipaddr.parse(s);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address().toString();
  }
  // ipaddr accepts legacy forms like "010.1" for IPv4; insist on four dotted decimals.
  if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined;
  return addr.toString();
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of canonical `YYYY-MM-DDTHH:MM:SS.mmmZ` text (what producers send), NaN for any
 * other form or an impossible date (callers then use Date.parse). Date.parse is ~4× slower and
 * ran twice per event (normalization, then the store).
 */
export function isoMsTime(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */) return Number.NaN;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.')
    return Number.NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  const ms = digits(s, 20, 3);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0)
    return Number.NaN;
  if (d > (DAYS[mo - 1] as number) || (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))))
    return Number.NaN;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

/** Parses a timestamp given as ISO-8601 text or epoch milliseconds. */
export function toTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length <= 64) {
    const fast = isoMsTime(v);
    if (!Number.isNaN(fast)) return fast;
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  return undefined;
}

function checkPort(obj: Record<string, unknown>, key: string, path: string): void {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (key in obj) delete obj[key]; // deleting an absent key still changes the object's shape
    return;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return;
  const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) bad(path, 'must be a port number');
  obj[key] = n;
}

function checkIpField(obj: Record<string, unknown>, key: string, path: string): void {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (key in obj) delete obj[key];
    return;
  }
  const ip = normalizeIp(v);
  if (ip === undefined) bad(path, 'must be an IPv4 or IPv6 address');
  if (ip !== v) obj[key] = ip;
}

/**
 * False when any value sits deeper than MAX_DEPTH (the root is depth 0). Recurses into
 * containers only, checking a child's depth before looking at its type: the same answer as
 * visiting every value, without a call per string or number (it runs on every event).
 */
function depthOk(v: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof v !== 'object' || v === null) return true;
  const deeper = depth + 1 > MAX_DEPTH;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (deeper || (typeof x === 'object' && x !== null && !depthOk(x, depth + 1))) return false;
    }
    return true;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (deeper || (typeof x === 'object' && x !== null && !depthOk(x, depth + 1))) return false;
  }
  return true;
}

export interface NormalizeOptions {
  /** When the server received the event (epoch ms). */
  receivedAt: number;
  /** Log source name, set as kyoka.source when the producer did not. */
  source: string;
}

/**
 * Returns the completed event (mutates and returns the input object to avoid copying on the
 * hot path). Throws KyokaError KYOKA_E_BAD_EVENT naming the offending field.
 */
export function normalizeEvent(input: EventInput, opts: NormalizeOptions): KyokaEvent {
  if (!isObj(input)) bad('(event)', 'must be a JSON object');
  const ev = input as Record<string, unknown>;
  if (!depthOk(ev, 0)) bad('(event)', `nested deeper than ${MAX_DEPTH} levels`);

  const rawTs = ev['@timestamp'] ?? ev.timestamp;
  const ts = toTimestamp(rawTs);
  if (ev['@timestamp'] !== undefined && ts === undefined) bad('@timestamp', 'must be ISO-8601 or epoch ms');
  const when = ts ?? opts.receivedAt;
  // Already canonical (most producers): keep the string instead of re-formatting it.
  if (typeof rawTs !== 'string' || !ISO_MS_RE.test(rawTs)) {
    if (!(when >= MIN_TS && when <= MAX_TS)) bad('@timestamp', 'out of range');
    ev['@timestamp'] = new Date(when).toISOString();
  } else ev['@timestamp'] = rawTs;

  if (ev.id === undefined || ev.id === null || ev.id === '') ev.id = newId(when);
  else if (typeof ev.id !== 'string' || !ID_RE.test(ev.id))
    bad('id', 'must be a ULID or a short [A-Za-z0-9._:-] string');

  let event = ev.event;
  if (event === undefined) event = ev.event = {};
  else if (!isObj(event)) bad('event', 'must be an object');
  const e = event as Record<string, unknown>;
  for (const k of EVENT_STRING_FIELDS) {
    const v = e[k];
    if (v !== undefined && v !== null && typeof v !== 'string') bad(`event.${k}`, 'must be a string');
  }
  if (e.severity !== undefined && (typeof e.severity !== 'number' || !Number.isFinite(e.severity))) {
    bad('event.severity', 'must be a number');
  }
  for (const k of EVENT_LIST_FIELDS) {
    const v = e[k];
    if (v === undefined) continue;
    if (typeof v === 'string') e[k] = [v];
    else if (!isStringArray(v)) bad(`event.${k}`, 'must be a string or an array of strings');
  }
  e.ingested = isoOf(opts.receivedAt);
  if (e.kind === undefined) e.kind = 'event';

  for (const side of ['source', 'destination'] as const) {
    const s = ev[side];
    if (s === undefined) continue;
    if (!isObj(s)) bad(side, 'must be an object');
    checkIpField(s, 'ip', `${side}.ip`);
    checkPort(s, 'port', `${side}.port`);
  }
  if (ev.user !== undefined && (!isObj(ev.user) || (ev.user.name !== undefined && typeof ev.user.name !== 'string'))) {
    bad('user.name', 'must be a string');
  }
  if (ev.message !== undefined && typeof ev.message !== 'string') bad('message', 'must be a string');

  let k = ev.kyoka;
  if (k === undefined) k = ev.kyoka = {};
  else if (!isObj(k)) bad('kyoka', 'must be an object');
  const ky = k as Record<string, unknown>;
  if (typeof ky.source !== 'string' || ky.source === '') ky.source = opts.source;
  return ev as KyokaEvent;
}
