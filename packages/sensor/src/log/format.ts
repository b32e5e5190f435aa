/**
 * OpenCanary's log line, byte for byte: Python's `json.dumps(record, sort_keys=True)` (ensure_ascii
 * on, separators ", " and ": ") of the record `LoggerBase.sanitizeLog` completes, newline-terminated.
 * Written by hand because no JS JSON encoder reproduces Python's escaping and float repr.
 */
import type { ConnMeta, LogOptions } from '../service/types.ts';

const HEX = '0123456789abcdef';
const SHORT: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;

/** Python's py_encode_basestring_ascii: \uXXXX (lowercase hex) per UTF-16 unit, short escapes for \b\t\n\f\r\"\\. */
export function pyString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) continue;
    if (i > start) out += s.slice(start, i);
    start = i + 1;
    const sh = SHORT[c];
    out += sh ?? `\\u${HEX[(c >> 12) & 15]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
  }
  return `${out + s.slice(start)}"`;
}

/** Python's float repr: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const [mant = '0', expS = '0'] = x.toExponential().split('e');
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let body: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    body = `${m}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  } else if (exp < 0) {
    body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length > exp + 1) {
    body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  }
  return neg ? `-${body}` : body;
}

function pyNumber(x: number): string {
  // Safe integers are Python ints (JS cannot tell 1 from 1.0); beyond 2^53 a number is a float in practice.
  if (Number.isSafeInteger(x)) return String(x);
  return pyFloat(x);
}

/** Python json.dumps(v, sort_keys=True, ensure_ascii=True) with the default separators. */
export function pyDumps(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return pyString(v);
    case 'number':
      return pyNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (depth > 64) return 'null';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ', ' : '') + pyDumps(v[i], depth + 1);
    return `${out}]`;
  }
  if (Buffer.isBuffer(v)) return pyString(v.toString('latin1'));
  const o = v as Record<string, unknown>;
  const keys = sortedKeys(o);
  if (keys.length === 0) return '{}';
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += `${i ? ', ' : ''}${cachedString(k)}: ${pyDumps(o[k], depth + 1)}`;
  }
  return `${out}}`;
}

const SURROGATE = /[\ud800-\udfff]/;

/** The defined keys of `o` in Python's order (hot path: the default sort unless a key has a surrogate). */
function sortedKeys(o: Record<string, unknown>): string[] {
  let keys = Object.keys(o);
  for (const k of keys)
    if (o[k] === undefined) {
      keys = keys.filter((x) => o[x] !== undefined);
      break;
    }
  if (keys.length < 2) return keys;
  for (const k of keys) if (SURROGATE.test(k)) return keys.sort(cmpCodePoints);
  return keys.sort();
}

/** Python sorts str keys by code point; JS sorts by UTF-16 unit (differs only past U+FFFF). */
function cmpCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** `YYYY-MM-DD HH:MM:SS.` per whole second, for UTC and local time: records arrive many per second. */
const prefixCache = { utcSec: Number.NaN, utc: '', localSec: Number.NaN, local: '' };

function secondPrefix(d: Date, utc: boolean): string {
  const [y, mo, da, h, mi, s] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo, 2)}-${pad(da, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (Python's %f: microseconds; JS has milliseconds, so the last 3 digits come from hrtime). */
export function pyTime(d: Date, utc: boolean, micros: number): string {
  const sec = Math.floor(d.getTime() / 1000);
  const c = prefixCache;
  let prefix: string;
  if (utc) {
    if (sec !== c.utcSec) {
      c.utc = secondPrefix(d, true);
      c.utcSec = sec;
    }
    prefix = c.utc;
  } else {
    if (sec !== c.localSec) {
      c.local = secondPrefix(d, false);
      c.localSec = sec;
    }
    prefix = c.local;
  }
  const us = micros >= 0 && micros < 1_000_000 ? String(1_000_000 + micros).slice(1) : pad(micros, 6);
  return prefix + us;
}

/** The record as OpenCanary's sanitizeLog completes it (before JSON). */
export interface OpenCanaryRecord {
  dst_host: string;
  dst_port: number | string;
  honeycred?: boolean;
  local_time: string;
  local_time_adjusted: string;
  logdata: Record<string, unknown>;
  logtype: number;
  node_id: string;
  src_host: string;
  src_port: number | string;
  utc_time: string;
}

const PERF_BASE = performance.now();
const MS_BASE = Date.now();

function nowMicros(): number {
  // Microsecond wall clock: Date.now() at start + monotonic elapsed time (performance.now() is a
  // double in ms with sub-µs resolution: no BigInt to allocate per record, as hrtime.bigint() has).
  return MS_BASE * 1000 + Math.floor((performance.now() - PERF_BASE) * 1000);
}

export function buildRecord(
  nodeId: string,
  conn: ConnMeta | null,
  logtype: number,
  logdata: Record<string, unknown>,
  opts?: LogOptions,
  nowUs: number = nowMicros(),
): OpenCanaryRecord {
  const d = new Date(Math.floor(nowUs / 1000));
  const us = nowUs % 1_000_000;
  const utc = pyTime(d, true, us);
  const rec: OpenCanaryRecord = {
    dst_host: conn?.dst_host ?? '',
    dst_port: conn?.dst_port ?? -1,
    local_time: utc,
    local_time_adjusted: pyTime(d, false, us),
    logdata,
    logtype,
    node_id: nodeId,
    src_host: conn?.src_host ?? '',
    src_port: conn?.src_port ?? -1,
    utc_time: utc,
  };
  if (opts?.honeycred !== undefined) rec.honeycred = opts.honeycred;
  return rec;
}

function scalar(v: unknown): string {
  return typeof v === 'string' ? pyString(v) : pyDumps(v);
}

/**
 * pyDumps(rec) for the record envelope, without sorting its keys on every record: the envelope's
 * keys are fixed, written here in Python's sorted order (honeycred only when set).
 */
export function recordJson(rec: OpenCanaryRecord): string {
  const honey = rec.honeycred === undefined ? '' : `"honeycred": ${pyDumps(rec.honeycred)}, `;
  return (
    `{"dst_host": ${cachedString(rec.dst_host)}, "dst_port": ${scalar(rec.dst_port)}, ${honey}` +
    `"local_time": ${timeString(rec.local_time)}, "local_time_adjusted": ${timeString(rec.local_time_adjusted)}, ` +
    `"logdata": ${pyDumps(rec.logdata, 1)}, "logtype": ${scalar(rec.logtype)}, "node_id": ${cachedString(rec.node_id)}, ` +
    `"src_host": ${cachedString(rec.src_host)}, "src_port": ${scalar(rec.src_port)}, "utc_time": ${timeString(rec.utc_time)}}`
  );
}

/** The three times are pyTime's output (digits, '-', ':', ' ', '.'): nothing to escape. */
function timeString(s: string): string {
  return `"${s}"`;
}

/**
 * pyString for the envelope's addresses and node id: a few distinct values repeated on every
 * record, so their encoded form is kept (bounded: cleared when full, as attacker-chosen PROXY
 * protocol addresses could vary without end).
 */
const encoded = new Map<string, string>();
function cachedString(s: string): string {
  let e = encoded.get(s);
  if (e === undefined) {
    if (encoded.size >= 4096) encoded.clear();
    e = pyString(s);
    encoded.set(s, e);
  }
  return e;
}

/** The line OpenCanary writes for a record (with the trailing newline). */
export function formatLine(rec: OpenCanaryRecord): string {
  return `${recordJson(rec)}\n`;
}
