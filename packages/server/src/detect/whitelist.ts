/**
 * Whitelist: events from these source IPs / CIDRs (v4 and v6), user names or sensors
 * (observer.name) produce no detection at all, whatever rule they match.
 */
import type { KyokaEvent } from '@kyoka/core';
import { KyokaError } from '@kyoka/core';
import { addRange, emptyRanges, type IpRanges, inRanges } from './ip-range.ts';

export interface WhitelistSpec {
  ips?: string[];
  users?: string[];
  sensors?: string[];
}

export interface Whitelist {
  (ev: KyokaEvent): boolean;
  readonly size: number;
}

/** Throws KYOKA_E_BAD_CONFIG naming the first entry that is not an address or CIDR. */
export function compileWhitelist(spec: WhitelistSpec = {}): Whitelist {
  const ranges: IpRanges = emptyRanges();
  for (const ip of spec.ips ?? []) {
    if (!addRange(ranges, ip))
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `whitelist: not an IP address or CIDR: ${JSON.stringify(ip)}`);
  }
  const users = new Set(spec.users ?? []);
  const sensors = new Set(spec.sensors ?? []);
  const hasIps = ranges.v4.length + ranges.v6.length > 0;
  const fn = ((ev: KyokaEvent): boolean => {
    if (hasIps && inRanges(ranges, ev.source?.ip)) return true;
    if (users.size > 0 && typeof ev.user?.name === 'string' && users.has(ev.user.name)) return true;
    if (sensors.size > 0 && typeof ev.observer?.name === 'string' && sensors.has(ev.observer.name)) return true;
    return false;
  }) as Whitelist;
  Object.defineProperty(fn, 'size', { value: ranges.v4.length + ranges.v6.length + users.size + sensors.size });
  return fn;
}
