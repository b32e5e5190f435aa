/**
 * IP addresses and CIDR ranges as numbers (IPv4: one number, IPv6: one bigint), parsed once
 * with ipaddr.js, so matching an event's address is a parse plus two comparisons.
 */
import ipaddr from 'ipaddr.js';

export interface IpRanges {
  v4: Array<[number, number]>;
  v6: Array<[bigint, bigint]>;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Dotted-quad text (exactly V4_RE, each part ≤ 255) as a number, by char codes (no regex, no allocation). */
export function v4num(s: string): number | undefined {
  const len = s.length;
  if (len < 7 || len > 15) return undefined;
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      part = part * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || part > 255 || ++dots > 3) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else return undefined;
  }
  if (digits === 0 || part > 255 || dots !== 3) return undefined;
  return n * 256 + part;
}

function v6big(a: ipaddr.IPv6): bigint {
  let n = 0n;
  for (const p of a.parts) n = (n << 16n) | BigInt(p);
  return n;
}

const IP_CACHE_MAX = 20_000;
let ipCache = new Map<string, number | bigint | null>();

/** ipToNum memoized (bounded): the same attacker address is tested by many rules and events. */
export function ipToNumCached(s: string): number | bigint | undefined {
  const fast = v4num(s); // cheaper than a cache lookup of a fresh string
  if (fast !== undefined) return fast;
  let n = ipCache.get(s);
  if (n === undefined) {
    if (ipCache.size >= IP_CACHE_MAX) ipCache = new Map();
    n = ipToNum(s) ?? null;
    ipCache.set(s, n);
  }
  return n ?? undefined;
}

/** An address as a number (v4) or bigint (v6, IPv4-mapped folded to v4); undefined if invalid. */
export function ipToNum(s: string): number | bigint | undefined {
  const fast = v4num(s);
  if (fast !== undefined) return fast;
  if (s.length > 64 || !ipaddr.isValid(s)) return undefined;
  let a = ipaddr.parse(s);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (a.kind() === 'ipv4') return v4num(a.toString());
  return v6big(a as ipaddr.IPv6);
}

/** Adds "1.2.3.4", "10.0.0.0/8", "2001:db8::/32" to `r`; returns false when `spec` is not an address or CIDR. */
export function addRange(r: IpRanges, spec: string): boolean {
  try {
    const s = spec.trim();
    const [addr, bits] = s.includes('/') ? ipaddr.parseCIDR(s) : [ipaddr.parse(s), -1];
    let a = addr;
    let b = bits;
    if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) {
      a = (a as ipaddr.IPv6).toIPv4Address();
      if (b >= 0) b = Math.max(0, b - 96);
    }
    if (a.kind() === 'ipv4') {
      if (!ipaddr.IPv4.isValidFourPartDecimal(a.toString())) return false;
      const n = v4num(a.toString()) as number;
      const len = b < 0 ? 32 : b;
      const size = 2 ** (32 - len);
      const lo = Math.floor(n / size) * size;
      r.v4.push([lo, lo + size - 1]);
    } else {
      const n = v6big(a as ipaddr.IPv6);
      const len = BigInt(b < 0 ? 128 : b);
      const host = (1n << (128n - len)) - 1n;
      const lo = n & ~host & ((1n << 128n) - 1n);
      r.v6.push([lo, lo | host]);
    }
    return true;
  } catch {
    return false;
  }
}

/** Appends the ranges of `from` to `to`. */
export function addRangesTo(to: IpRanges, from: IpRanges): void {
  to.v4.push(...from.v4);
  to.v6.push(...from.v6);
}

export function emptyRanges(): IpRanges {
  return { v4: [], v6: [] };
}

export function inRanges(r: IpRanges, ip: unknown): boolean {
  if (typeof ip !== 'string') return false;
  const n = ipToNumCached(ip);
  if (n === undefined) return false;
  if (typeof n === 'number') {
    const v4 = r.v4;
    for (let i = 0; i < v4.length; i++) {
      const range = v4[i] as [number, number];
      if (n >= range[0] && n <= range[1]) return true;
    }
    return false;
  }
  for (const [lo, hi] of r.v6) if (n >= lo && n <= hi) return true;
  return false;
}

let canonCache = new Map<string, string | null>();

/** canonicalIp memoized (bounded): detections of one attacker repeat the same address. */
export function canonicalIpCached(s: string): string | undefined {
  if (v4num(s) !== undefined) return s; // as canonicalIp: dotted-quad text is kept as is
  let c = canonCache.get(s);
  if (c === undefined) {
    if (canonCache.size >= IP_CACHE_MAX) canonCache = new Map();
    c = canonicalIp(s) ?? null;
    canonCache.set(s, c);
  }
  return c ?? undefined;
}

/** Canonical text of an address or CIDR (for decision values), or undefined. */
export function canonicalIp(s: string): string | undefined {
  const n = ipToNum(s);
  if (n === undefined) return undefined;
  if (typeof n === 'number') return s.match(V4_RE) ? s : ipaddr.process(s).toString();
  return ipaddr.parse(s).toString();
}
