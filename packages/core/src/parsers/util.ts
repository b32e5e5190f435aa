/** Helpers shared by the parsers: IP/port/time normalization and safe object building. */
import ipaddr from 'ipaddr.js';
import { KyokaError } from '../errors/index.ts';
import type { EventInput } from '../event/types.ts';
import type { ParseContext, Parser } from './types.ts';

export type Obj = Record<string, unknown>;

/** Strict dotted-quad IPv4 check without allocation (ipaddr.js is ~10x slower on this path). */
function isIPv4(s: string, from: number): boolean {
  let parts = 0;
  let digits = 0;
  let val = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || ++parts > 3) return false;
      digits = 0;
      val = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && val === 0) return false; // leading zero ("010" is octal to some parsers)
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) return false;
    } else {
      return false;
    }
  }
  return parts === 3 && digits > 0;
}

const MAPPED_PREFIX = '::ffff:';

/**
 * Returns a canonical IP string or undefined. IPv4-mapped IPv6 ("::ffff:1.2.3.4") becomes
 * plain IPv4; IPv4 must be strict four-part decimal (no "127.1" or hex forms that ipaddr accepts).
 */
export function normalizeIp(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) return undefined;
  const c0 = v.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && v.indexOf(':') === -1) return isIPv4(v, 0) ? v : undefined;
  let s = v;
  if (c0 === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1); // [v6]
  if (s.length > 7 && s.slice(0, 7).toLowerCase() === MAPPED_PREFIX && isIPv4(s, 7)) return s.slice(7);
  if (s.indexOf(':') === -1 || !ipaddr.IPv6.isValid(s)) return undefined;
  try {
    const a = ipaddr.IPv6.parse(s);
    return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString();
  } catch {
    return undefined;
  }
}

/** A TCP/UDP port from a number or numeric string; -1, 0 and out-of-range mean absent. */
export function toPort(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.length <= 5 ? Number(v) : Number.NaN;
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

/** A non-negative integer from a number or numeric string. */
export function toInt(v: unknown): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && v.length > 0 && v.length <= 16 ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const NAIVE_TS_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses a timestamp to an ISO string (ms precision, UTC). Accepts ISO 8601 / RFC 3339, the
 * naive "YYYY-MM-DD HH:MM:SS.ffffff" form (taken as UTC), and epoch seconds or milliseconds.
 * UTC input is rebuilt as text directly: Date#toISOString costs more than the whole regex.
 */
export function toIsoTime(v: unknown): string | undefined {
  let t: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return undefined;
    t = v < 1e11 ? v * 1000 : v; // epoch seconds until year 5138, else milliseconds
  } else if (typeof v === 'string' && v.length >= 19 && v.length <= 40) {
    const m = NAIVE_TS_RE.exec(v);
    if (!m) return undefined;
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (mo < 1 || mo > 12 || d < 1 || d > (DAYS_IN_MONTH[mo - 1] as number)) return undefined;
    if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return undefined;
    const frac = m[7];
    const ms3 = frac ? `${frac}00`.slice(0, 3) : '000';
    const off = m[8];
    if (!off || off === 'Z') {
      if (mo === 2 && d === 29) {
        const y = Number(m[1]);
        if (y % 4 !== 0 || (y % 100 === 0 && y % 400 !== 0)) return undefined;
      }
      return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${ms3}Z`;
    }
    t = Date.UTC(Number(m[1]), mo - 1, d, Number(m[4]), Number(m[5]), Number(m[6]), Number(ms3));
    const digits = off.length === 6 ? off.slice(1, 3) + off.slice(4) : off.slice(1);
    const mins = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    t += off[0] === '-' ? mins * 60_000 : -mins * 60_000;
  } else {
    return undefined;
  }
  if (!Number.isFinite(t) || t < -62_135_596_800_000 || t > 253_402_300_799_999) return undefined;
  return new Date(t).toISOString();
}

let lastReceived: Date | undefined;
let lastReceivedMs = Number.NaN;
let lastReceivedIso = '';

/** ISO text of ctx.receivedAt, cached: a batch shares one receive time. */
export function receivedIso(d: Date): string {
  const ms = d.getTime();
  if (d !== lastReceived || ms !== lastReceivedMs) {
    lastReceived = d;
    lastReceivedMs = ms;
    lastReceivedIso = d.toISOString();
  }
  return lastReceivedIso;
}

/** Keys that would reach Object.prototype when used with plain assignment. */
export function unsafeKey(k: string): boolean {
  return k === '__proto__' || k === 'constructor' || k === 'prototype';
}

/** Returns obj[key] as a plain object, creating (or replacing a non-object) when missing. */
export function child(obj: Obj, key: string): Obj {
  const v = obj[key];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
  const c: Obj = {};
  obj[key] = c;
  return c;
}

/** setField that refuses prototype-polluting path segments. Returns false when refused. */
export function safeSet(obj: Obj, path: string, value: unknown): boolean {
  const parts = path.split('.');
  for (const p of parts) if (p.length === 0 || unsafeKey(p)) return false;
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) cur = child(cur, parts[i] as string);
  cur[parts[parts.length - 1] as string] = value;
  return true;
}

export function isPlainObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function badEvent(message: string, cause?: unknown): KyokaError {
  return new KyokaError('KYOKA_E_BAD_EVENT', message, cause === undefined ? {} : { cause });
}

/** Max input accepted by string parsers (bigger is refused, not parsed). */
export const MAX_INPUT = 1 << 20;

/** JSON.parse an object; KyokaError BAD_EVENT on anything else. */
export function parseJsonObject(text: string, what: string): Obj {
  if (text.length > MAX_INPUT) throw badEvent(`${what}: input larger than ${MAX_INPUT} characters`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw badEvent(`${what}: invalid JSON`, err);
  }
  if (!isPlainObject(v)) throw badEvent(`${what}: expected a JSON object`);
  return v;
}

/**
 * The common skeleton every parser fills: same key order for every event so V8 keeps one
 * hidden class on the hot path.
 */
export function baseEvent(original: string, ctx: ParseContext, dataset: string, module: string): EventInput {
  return {
    '@timestamp': receivedIso(ctx.receivedAt),
    event: { kind: 'event', dataset, module, original },
    kyoka: { source: ctx.sourceName },
  };
}

/** Sets source.ip (normalized) and source.port; an unparseable address goes to source.address. */
export function setEndpoint(ev: EventInput, key: 'source' | 'destination', ip: unknown, port: unknown): void {
  const nip = normalizeIp(ip);
  const nport = toPort(port);
  if (nip === undefined && nport === undefined) {
    if (typeof ip === 'string' && ip.length > 0 && ip.length <= 255) child(ev, key).address = ip;
    return;
  }
  const o = child(ev, key);
  if (nip !== undefined) {
    o.ip = nip;
  } else if (typeof ip === 'string' && ip.length > 0 && ip.length <= 255) {
    o.address = ip;
  }
  if (nport !== undefined) o.port = nport;
}

/**
 * A parser for one JSON object per input (a line of text, or an object the HTTP receiver
 * already parsed): the raw text, or the object's serialization, becomes event.original.
 */
export function jsonObjectParser(
  type: string,
  toEvent: (obj: Obj, original: string, ctx: ParseContext) => EventInput,
): Parser {
  return {
    type,
    parse(input: string | Record<string, unknown>, ctx: ParseContext): EventInput[] {
      if (typeof input === 'string') return [toEvent(parseJsonObject(input, type), input, ctx)];
      if (!isPlainObject(input)) throw badEvent(`${type}: expected an object`);
      return [toEvent(input, JSON.stringify(input), ctx)];
    },
  };
}
