/**
 * Address handling for enforcement: strict parsing and canonicalisation with ipaddr.js (only
 * canonical text ever reaches nft/ipset), and merging of overlapping CIDRs, because an nft
 * interval set refuses overlapping elements. Singles and networks live in different sets.
 */
import ipaddr from 'ipaddr.js';

export interface Net {
  readonly family: 4 | 6;
  /** Canonical network address text. */
  readonly addr: string;
  readonly prefix: number;
  /** True for a host address (/32, /128). */
  readonly single: boolean;
  /** 'a.b.c.d' for a host, 'a.b.c.0/24' for a network. */
  readonly key: string;
  /** First and last address as integers (computed on first use: a reset parses 100k). */
  readonly lo: bigint;
  readonly hi: bigint;
}

class V4Net implements Net {
  readonly family = 4 as const;
  constructor(
    readonly addr: string,
    readonly prefix: number,
    readonly key: string,
    private readonly first: number,
    private readonly last: number,
  ) {}
  get single(): boolean {
    return this.prefix === 32;
  }
  get lo(): bigint {
    return BigInt(this.first);
  }
  get hi(): bigint {
    return BigInt(this.last);
  }
}

const SHAPE = /^[0-9A-Fa-f:.]{2,45}(\/[0-9]{1,3})?$/;

function toBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(v: bigint, family: 4 | 6): string {
  const len = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = len - 1; i >= 0; i--) bytes[i] = Number((v >> BigInt((len - 1 - i) * 8)) & 0xffn);
  return ipaddr.fromByteArray(bytes).toString();
}

function v4Net(value: number, prefix: number, text?: string): Net {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const lo = (value & mask) >>> 0;
  const hi = (lo | (~mask >>> 0)) >>> 0;
  // Input already canonical (no leading zeros is enforced by the parser): reuse it.
  const addr = text ?? `${lo >>> 24}.${(lo >>> 16) & 255}.${(lo >>> 8) & 255}.${lo & 255}`;
  return new V4Net(addr, prefix, prefix === 32 ? addr : `${addr}/${prefix}`, lo, hi);
}

/** Dotted-quad IPv4 with optional /prefix, no leading zeros; allocation-free. Null if not one. */
function scanV4(s: string): { value: number; prefix: number; end: number } | null {
  let value = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s.charCodeAt(i) !== 46) return null;
      i++;
    }
    const start = i;
    let n = 0;
    while (i < s.length && i - start < 3) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    if (i === start || n > 255 || (i - start > 1 && s.charCodeAt(start) === 48)) return null;
    value = value * 256 + n;
  }
  const end = i;
  let prefix = 32;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 47) return null;
    i++;
    const start = i;
    prefix = 0;
    while (i < s.length && i - start < 2) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      prefix = prefix * 10 + (c - 48);
      i++;
    }
    if (i === start || i !== s.length || prefix > 32 || (i - start > 1 && s.charCodeAt(start) === 48)) return null;
  }
  return { value, prefix, end };
}

/**
 * Parses an IP or CIDR strictly: dotted-quad IPv4 without leading zeros (fast path, this runs
 * 100k times on a reset), IPv6 via ipaddr.js; IPv4-mapped IPv6 becomes IPv4.
 */
export function parseNet(input: unknown): Net | null {
  if (typeof input !== 'string') return null;
  const v4 = scanV4(input);
  if (v4) return v4Net(v4.value, v4.prefix, v4.prefix === 32 && v4.end === input.length ? input : undefined);
  if (!SHAPE.test(input) || !input.includes(':')) return null;
  const [ipText, prefixText] = input.split('/') as [string, string | undefined];
  if (!ipaddr.IPv6.isValid(ipText)) return null;
  const ip = ipaddr.IPv6.parse(ipText);
  const prefix = prefixText === undefined ? 128 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return null;
  if (ip.isIPv4MappedAddress()) {
    if (prefix < 96) return null;
    const o = ip.toIPv4Address().octets;
    return v4Net(
      (((o[0] as number) << 24) | ((o[1] as number) << 16) | ((o[2] as number) << 8) | (o[3] as number)) >>> 0,
      prefix - 96,
    );
  }
  const value = toBig(ip.toByteArray());
  if (prefix === 128) {
    const addr = ip.toString();
    return { family: 6, addr, prefix, single: true, key: addr, lo: value, hi: value };
  }
  const hostBits = BigInt(128 - prefix);
  const lo = (value >> hostBits) << hostBits;
  const hi = lo | ((1n << hostBits) - 1n);
  const addr = fromBig(lo, 6);
  return { family: 6, addr, prefix, single: false, key: `${addr}/${prefix}`, lo, hi };
}

export interface Sandbox {
  family: 4 | 6;
  addr: string;
  port?: number;
}

/** 'ip', 'ip:port' or '[ip6]:port' → canonical parts; null when anything is off. */
export function parseSandbox(input: string): Sandbox | null {
  let host = input;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(input);
  if (v6) {
    host = v6[1] as string;
    portText = v6[2];
  } else if (/^[^:]+:\d{1,5}$/.test(input)) {
    [host, portText] = input.split(':') as [string, string];
  }
  const net = parseNet(host);
  if (!net?.single) return null;
  if (portText === undefined) return { family: net.family, addr: net.addr };
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  return { family: net.family, addr: net.addr, port };
}

export interface Timed {
  net: Net;
  expiresAt: number;
}

/**
 * Makes a list of networks of one family non-overlapping. A network contained in another is
 * dropped; if it outlives its container, `wakeAt` says when the container expires so the caller
 * can re-add the survivor then (expiry itself stays in the kernel).
 */
export function mergeNets(items: Timed[]): { kept: Timed[]; wakeAt: number | null } {
  const byKey = new Map<string, Timed>();
  for (const it of items) {
    const prev = byKey.get(it.net.key);
    if (!prev || prev.expiresAt < it.expiresAt) byKey.set(it.net.key, it);
  }
  // Widest first among equal starts, so a container always precedes what it contains.
  const sorted = [...byKey.values()]
    .map((t) => ({ t, lo: t.net.lo, hi: t.net.hi }))
    .sort((a, b) => (a.lo === b.lo ? a.t.net.prefix - b.t.net.prefix : a.lo < b.lo ? -1 : 1));
  const kept: Timed[] = [];
  let wakeAt: number | null = null;
  let cur: { t: Timed; hi: bigint } | undefined;
  for (const { t, lo, hi } of sorted) {
    if (cur && lo <= cur.hi) {
      // CIDR blocks either nest or are disjoint, so overlap means containment.
      if (t.expiresAt > cur.t.expiresAt) wakeAt = wakeAt === null ? cur.t.expiresAt : Math.min(wakeAt, cur.t.expiresAt);
      continue;
    }
    kept.push(t);
    cur = { t, hi };
  }
  return { kept, wakeAt };
}

/** Plain (untimed) merge for whitelist / management lists. */
export function mergeStatic(list: string[]): Net[] {
  return mergeNets(list.map((s) => ({ net: parseNet(s) as Net, expiresAt: 0 }))).kept.map((t) => t.net);
}
