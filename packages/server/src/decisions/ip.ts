/**
 * Decision values: an IPv4/IPv6 address (scope Ip) or a CIDR (scope Range), validated and
 * canonicalised with ipaddr.js so that one address has one spelling (IPv4-mapped IPv6 becomes
 * IPv4, IPv6 is compressed, a CIDR starts at its network address, /32 and /128 are addresses).
 * Also the whitelist: decisions touching a whitelisted address or range are refused.
 */
import { KyokaError } from '@kyoka/core';
import ipaddr from 'ipaddr.js';

export type Scope = 'Ip' | 'Range';
type Addr = ipaddr.IPv4 | ipaddr.IPv6;

export interface IpValue {
  value: string;
  scope: Scope;
  addr: Addr;
  bits: number;
}

function norm(a: Addr): Addr {
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** Parses and canonicalises an address or CIDR; null when it is neither. */
export function tryParseValue(text: string): IpValue | null {
  const t = text.trim();
  if (!t || t.length > 64) return null;
  try {
    if (t.includes('/')) {
      if (!ipaddr.isValidCIDR(t)) return null;
      const [raw, rawBits] = ipaddr.parseCIDR(t);
      let a: Addr = raw;
      let bits = rawBits;
      if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        a = (a as ipaddr.IPv6).toIPv4Address();
        bits -= 96;
      }
      const max = a.kind() === 'ipv4' ? 32 : 128;
      if (bits === max) return { value: a.toString(), scope: 'Ip', addr: a, bits };
      const net =
        a.kind() === 'ipv4'
          ? ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/${bits}`)
          : ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${bits}`);
      return { value: `${net.toString()}/${bits}`, scope: 'Range', addr: net, bits };
    }
    if (!ipaddr.isValid(t)) return null;
    // reject the short/octal IPv4 spellings ipaddr.js accepts ("10.1", "012.1.1.1")
    if (!t.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(t)) return null;
    const a = norm(ipaddr.parse(t));
    return { value: a.toString(), scope: 'Ip', addr: a, bits: a.kind() === 'ipv4' ? 32 : 128 };
  } catch {
    return null;
  }
}

export function parseValue(text: string, name = 'value'): IpValue {
  const v = tryParseValue(String(text ?? ''));
  if (!v) throw new KyokaError('KYOKA_E_BAD_REQUEST', `${name}: not an IPv4/IPv6 address or CIDR`);
  return v;
}

/** Whether range `outer` contains address-or-range `inner`. */
export function contains(outer: IpValue, inner: IpValue): boolean {
  if (outer.addr.kind() !== inner.addr.kind() || inner.bits < outer.bits) return false;
  return (inner.addr as ipaddr.IPv4).match(outer.addr as ipaddr.IPv4, outer.bits);
}

/** Whether two values share at least one address. */
export function overlaps(a: IpValue, b: IpValue): boolean {
  return contains(a, b) || contains(b, a);
}

/** IPs and CIDRs never to act on. Refuses bad entries with the entry named. */
export class Whitelist {
  private entries: IpValue[] = [];

  constructor(list: readonly string[] = []) {
    this.set(list);
  }

  set(list: readonly string[]): void {
    this.entries = list.map((s, i) => parseValue(s, `whitelist[${i}]`));
  }

  list(): string[] {
    return this.entries.map((e) => e.value);
  }

  /** The whitelist entry sharing an address with the value (address or CIDR), or null. */
  match(value: string | IpValue): string | null {
    const v = typeof value === 'string' ? tryParseValue(value) : value;
    if (!v) return null;
    return this.entries.find((e) => overlaps(e, v))?.value ?? null;
  }
}
