/**
 * OpenCanary's `ip.ignorelist` (here IPv4 AND IPv6 CIDRs or plain addresses; OpenCanary knows
 * IPv4 only) and `logtype.ignorelist`, applied before any handler sees a record.
 */
import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface RecordFilter {
  /** True when a record from `srcHost` with `logtype` must be dropped. */
  ignored(srcHost: string, logtype: number): boolean;
}

function parseEntry(s: string): Range {
  if (s.includes('/')) return ipaddr.parseCIDR(s);
  const a = ipaddr.parse(s);
  return [a, a.kind() === 'ipv4' ? 32 : 128];
}

/** Throws Error naming the bad entry; callers wrap it into a config error for `ip.ignorelist`. */
export function parseIgnoreList(list: unknown): Range[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error('must be a list of IP addresses or CIDRs');
  return list.map((e) => {
    if (typeof e !== 'string') throw new Error(`entry ${JSON.stringify(e)} is not a string`);
    try {
      return parseEntry(e.trim());
    } catch {
      throw new Error(`entry "${e}" is not an IPv4/IPv6 address or CIDR`);
    }
  });
}

export function parseLogtypeList(list: unknown): Set<number> {
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) throw new Error('must be a list of logtype numbers');
  return new Set(
    list.map((e) => {
      const n = typeof e === 'string' ? Number(e) : e;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`entry ${JSON.stringify(e)} is not a logtype`);
      return n;
    }),
  );
}

export function createFilter(ipList: unknown, logtypeList: unknown): RecordFilter {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const r of parseIgnoreList(ipList)) (r[0].kind() === 'ipv4' ? v4 : v6).push(r);
  const types = parseLogtypeList(logtypeList);
  const cache = new Map<string, boolean>();
  const matchIp = (host: string): boolean => {
    if (!host || (v4.length === 0 && v6.length === 0)) return false;
    const hit = cache.get(host);
    if (hit !== undefined) return hit;
    let res = false;
    try {
      let a = ipaddr.parse(host);
      if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
      const list = a.kind() === 'ipv4' ? v4 : v6;
      res = list.some(([net, bits]) => a.match(net, bits));
    } catch {
      res = false;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(host, res);
    return res;
  };
  return {
    ignored: (srcHost, logtype) => types.has(logtype) || matchIp(srcHost),
  };
}
