/**
 * The client address a request is attributed to: the socket peer, or — only when the peer is a
 * trusted proxy (trust_forwarded) — the right-most untrusted address in X-Forwarded-For.
 * Every address is validated and canonicalised by core's normalizeIp (IPv4-mapped IPv6 → IPv4), so the
 * value that reaches decisions, logs and report() is never a raw attacker string.
 */
import { normalizeIp } from '@kyoka/core';
import ipaddr from 'ipaddr.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

// Socket peers repeat (keep-alive, returning clients): parsing with ipaddr.js on every request
// cost more than the rest of the address handling, so results are memoised. Bounded: cleared when full.
const canonicalMemo = new Map<string, string | null>();
const CANONICAL_MEMO_MAX = 4096;

/** Canonical form of an IP address, or null when it is not one. */
export function canonicalIp(s: string | undefined): string | null {
  if (!s) return null;
  if (s.length > 64) return parseCanonical(s);
  let r = canonicalMemo.get(s);
  if (r === undefined) {
    r = parseCanonical(s);
    if (canonicalMemo.size >= CANONICAL_MEMO_MAX) canonicalMemo.clear();
    canonicalMemo.set(s, r);
  }
  return r;
}

/** Core's strict form: no legacy IPv4 ("127.1", hex), zone ids dropped, IPv4-mapped folded. */
function parseCanonical(s: string): string | null {
  return normalizeIp(s.trim()) ?? null;
}

export type ClientIpResolver = (remote: string | undefined, xff: string | string[] | undefined) => string;

export function createClientIpResolver(trusted: readonly string[]): ClientIpResolver {
  const cidrs: Cidr[] = trusted.map((t) => {
    if (t.includes('/')) {
      const [a, bits] = ipaddr.parseCIDR(t);
      return [
        a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a,
        bits,
      ];
    }
    const a = ipaddr.process(t);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  });
  const isTrusted = (ip: string): boolean => {
    if (cidrs.length === 0) return false;
    const a = ipaddr.process(ip);
    return cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net as never, bits));
  };

  return (remote, xff) => {
    const peer = canonicalIp(remote) ?? '0.0.0.0';
    if (!xff || !isTrusted(peer)) return peer;
    const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const ip = canonicalIp(hops[i]);
      if (!ip) break;
      client = ip;
      if (!isTrusted(ip)) break;
    }
    return client;
  };
}
