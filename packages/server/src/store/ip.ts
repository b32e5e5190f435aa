/**
 * Sortable IP keys: 32 lowercase hex chars of the 16-byte IPv6 form (IPv4 as ::ffff:a.b.c.d).
 * Equality and CIDR membership then become plain string comparisons / ranges that behave
 * the same in SQLite and PostgreSQL and can use an ordinary B-tree index.
 */
import ipaddr from 'ipaddr.js';

const V4_PREFIX = '00000000000000000000ffff';
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Character codes of an IPv4 key, prefix filled in; ipKey() writes the last 8. */
const V4_CODES = Array.from(`${V4_PREFIX}00000000`, (c) => c.charCodeAt(0));

/** The 4 octets of the last v4Into() that succeeded (module scratch: no array per call). */
const V4 = [0, 0, 0, 0];

/**
 * Strict dotted-quad parse (no octal/short forms) into V4; false when `s` is not one. The
 * ingest hot path: one pass over the characters, no split(), no arrays, no regex.
 */
function v4Into(s: string): boolean {
  const len = s.length;
  if (len < 7 || len > 15) return false;
  let part = 0;
  let n = 0;
  let digits = 0;
  let lead = 0;
  for (let i = 0; i <= len; i++) {
    const c = i === len ? 46 : s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || part > 3 || n > 255 || (digits > 1 && lead === 0)) return false;
      V4[part++] = n;
      n = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || ++digits > 3) return false;
    if (digits === 1) lead = d;
    n = n * 10 + d;
  }
  return part === 4;
}

function v4Bytes(s: string): number[] | null {
  return v4Into(s) ? V4.slice() : null;
}

/** Key of a strict dotted-quad IPv4 address, null for anything else (IPv6 included). */
export function ipV4Key(s: string): string | null {
  if (!v4Into(s)) return null;
  // one flat string: a concatenation would be flattened (copied) again when SQLite binds it
  for (let i = 0; i < 4; i++) {
    const b = V4[i]!;
    V4_CODES[24 + 2 * i] = HEX_CODES[b >> 4]!;
    V4_CODES[25 + 2 * i] = HEX_CODES[b & 15]!;
  }
  return String.fromCharCode.apply(null, V4_CODES);
}

/** 16 bytes of an IPv4/IPv6 address, or null when it is not one. */
export function ipBytes(s: string): number[] | null {
  const v4 = v4Bytes(s);
  if (v4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
  if (!s.includes(':')) return null;
  try {
    return ipaddr.IPv6.parse(s).toByteArray();
  } catch {
    return null;
  }
}

function hex(bytes: number[]): string {
  let h = '';
  for (const b of bytes) h += HEX[b];
  return h;
}

/** Sortable key of an IP string, or null for anything that is not an IP. */
export function ipKey(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const v4 = ipV4Key(s);
  if (v4 !== null) return v4;
  const b = ipBytes(s);
  return b ? hex(b) : null;
}

/**
 * Inclusive key range [lo, hi] of an IP or CIDR ("10.0.0.0/8", "2001:db8::/32"), or null.
 * IPv4 prefixes are shifted by 96 bits so they cover the ::ffff:0:0/96 mapped space.
 */
export function ipRange(s: string): { lo: string; hi: string } | null {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bytes = ipBytes(addr);
  if (!bytes) return null;
  let bits = 128;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) return null;
    const len = Number(lenText);
    const isV4 = v4Bytes(addr) !== null;
    if (len > (isV4 ? 32 : 128)) return null;
    bits = isV4 ? len + 96 : len;
  }
  const lo = bytes.slice();
  const hi = bytes.slice();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    lo[i] = bytes[i]! & mask;
    hi[i] = (bytes[i]! & mask) | (~mask & 0xff);
  }
  return { lo: hex(lo), hi: hex(hi) };
}

/** IP text of a key: dotted quad for the IPv4-mapped range, RFC 5952 form otherwise. */
export function keyToIp(key: string): string {
  if (!/^[0-9a-f]{32}$/.test(key)) return key;
  const bytes = Array.from({ length: 16 }, (_, i) => Number.parseInt(key.slice(i * 2, i * 2 + 2), 16));
  if (key.startsWith(V4_PREFIX)) return bytes.slice(12).join('.');
  return ipaddr.fromByteArray(bytes).toString();
}
