/**
 * The live decisions a node holds, keyed by decision id, and what they mean per address:
 * several decisions may cover one value (a ban and a deceive, or an extension that arrives
 * under a new id), so consumers that work on values (kernel sets, the WAF's lookup) must not
 * drop a value when one of its decisions goes while another still holds it. `apply()` turns an
 * id-level batch into value-level changes; `typeFor(ip)` answers the strongest live decision
 * covering an address (ban > deceive > reflect), CIDRs included.
 */
import ipaddr from 'ipaddr.js';
import type { DecisionBatch, DecisionType, DecisionView } from './types.ts';

export const DECISION_TYPES: readonly DecisionType[] = ['ban', 'deceive', 'reflect'];
const RANK: Record<DecisionType, number> = { ban: 3, deceive: 2, reflect: 1 };

/** One value under one decision type, until the latest expiry of the decisions holding it. */
export interface ValueEntry {
  /** Canonical address or CIDR (`10.0.0.0/8`, `2001:db8::/32`; a single address without a mask). */
  value: string;
  type: DecisionType;
  family: 4 | 6;
  expiresAt: number;
}

export interface ValueDelta {
  reset: boolean;
  /** Values newly held or whose expiry moved (with a reset: the whole live set). */
  upsert: ValueEntry[];
  /** Values no decision holds any more. */
  remove: ValueEntry[];
  /** Decisions ignored: unknown type, unparsable value or expiry. */
  rejected: DecisionView[];
}

/** Canonical form of an address or CIDR, or null when it is neither. Host bits are cleared. */
export function canonicalValue(
  raw: string,
): { value: string; family: 4 | 6; range: [ipaddr.IPv4 | ipaddr.IPv6, number] } | null {
  if (typeof raw !== 'string' || raw.length > 64) return null;
  const host = raw.split('/')[0] as string;
  // Strict forms only: ipaddr.js also takes legacy '1.2.3' / octal / hex IPv4, which nft does not.
  if (!ipaddr.IPv4.isValidFourPartDecimal(host) && !(host.includes(':') && ipaddr.IPv6.isValid(host))) return null;
  try {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    let bits: number;
    if (raw.includes('/')) {
      const parsed = ipaddr.parseCIDR(raw);
      addr = parsed[0];
      bits = parsed[1];
    } else {
      addr = ipaddr.parse(raw);
      bits = addr.kind() === 'ipv4' ? 32 : 128;
    }
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      addr = (addr as ipaddr.IPv6).toIPv4Address();
      bits -= 96;
    }
    const max = addr.kind() === 'ipv4' ? 32 : 128;
    const family = max === 32 ? 4 : 6;
    if (bits === max) return { value: addr.toString(), family, range: [addr, bits] };
    const net =
      family === 4
        ? ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${bits}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${bits}`);
    return { value: `${net.toString()}/${bits}`, family, range: [net, bits] };
  } catch {
    return null;
  }
}

function addTo(m: Map<string, Set<number>>, key: string, id: number): void {
  const set = m.get(key);
  if (set) set.add(id);
  else m.set(key, new Set([id]));
}

interface Held {
  view: DecisionView;
  key: string;
  type: DecisionType;
  entry: ValueEntry;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

export class DecisionTable {
  private readonly byId = new Map<number, Held>();
  /** `type|value` → ids holding it. */
  private readonly byKey = new Map<string, Set<number>>();
  /** Exact addresses for O(1) lookups; ranges are scanned (they are few). */
  private readonly ranges = new Map<number, Held>();
  private readonly exact = new Map<string, Set<number>>();

  get size(): number {
    return this.byId.size;
  }

  decisions(): DecisionView[] {
    return [...this.byId.values()].map((h) => h.view);
  }

  /** Value-level view of the live set (latest expiry per value and type). */
  values(now = Date.now()): ValueEntry[] {
    const out: ValueEntry[] = [];
    for (const key of this.byKey.keys()) {
      const e = this.entryFor(key);
      if (e && e.expiresAt > now) out.push(e);
    }
    return out;
  }

  counts(now = Date.now()): Record<DecisionType, number> {
    const c: Record<DecisionType, number> = { ban: 0, deceive: 0, reflect: 0 };
    for (const e of this.values(now)) c[e.type]++;
    return c;
  }

  private entryFor(key: string): ValueEntry | null {
    const ids = this.byKey.get(key);
    if (!ids?.size) return null;
    let best: ValueEntry | null = null;
    for (const id of ids) {
      const h = this.byId.get(id);
      if (h && (!best || h.entry.expiresAt > best.expiresAt)) best = h.entry;
    }
    return best ? { ...best } : null;
  }

  private drop(id: number, touched: Set<string>): void {
    const h = this.byId.get(id);
    if (!h) return;
    this.byId.delete(id);
    this.ranges.delete(id);
    this.exact.get(h.key)?.delete(id);
    const ids = this.byKey.get(h.key);
    ids?.delete(id);
    if (ids && !ids.size) this.byKey.delete(h.key);
    touched.add(h.key);
  }

  apply(batch: DecisionBatch, now = Date.now()): ValueDelta {
    const touched = new Set<string>();
    const before = new Map<string, ValueEntry | null>();
    const rejected: DecisionView[] = [];
    const remember = (key: string) => {
      if (!before.has(key)) before.set(key, this.entryFor(key));
    };
    if (batch.reset) {
      this.byId.clear();
      this.byKey.clear();
      this.ranges.clear();
      this.exact.clear();
    }
    for (const d of batch.removed) {
      const h = this.byId.get(d.id);
      if (!h) continue;
      remember(h.key);
      this.drop(d.id, touched);
    }
    for (const d of batch.added) {
      const type = d.type as DecisionType;
      const canon = canonicalValue(d.value);
      const expiresAt = Date.parse(d.expires_at);
      if (!RANK[type] || !canon || !Number.isFinite(expiresAt) || d.deleted_at) {
        rejected.push(d);
        continue;
      }
      if (expiresAt <= now) continue;
      const key = `${type}|${canon.value}`;
      remember(key);
      if (this.byId.has(d.id)) {
        const old = this.byId.get(d.id) as Held;
        remember(old.key);
        this.drop(d.id, touched);
      }
      const held: Held = {
        view: d,
        key,
        type,
        range: canon.range,
        entry: { value: canon.value, type, family: canon.family, expiresAt },
      };
      this.byId.set(d.id, held);
      addTo(this.byKey, key, d.id);
      if (canon.value.includes('/')) this.ranges.set(d.id, held);
      else addTo(this.exact, key, d.id);
      touched.add(key);
    }
    if (batch.reset) return { reset: true, upsert: this.values(now), remove: [], rejected };
    const upsert: ValueEntry[] = [];
    const remove: ValueEntry[] = [];
    for (const key of touched) {
      const was = before.get(key) ?? null;
      const is = this.entryFor(key);
      if (is && (!was || was.expiresAt !== is.expiresAt)) upsert.push(is);
      else if (!is && was) remove.push(was);
    }
    return { reset: false, upsert, remove, rejected };
  }

  /** The strongest live decision type covering `ip`, or null. */
  typeFor(ip: string, now = Date.now()): DecisionType | null {
    const canon = canonicalValue(ip);
    if (!canon) return null;
    let best: DecisionType | null = null;
    const consider = (t: DecisionType, expiresAt: number) => {
      if (expiresAt > now && (!best || RANK[t] > RANK[best])) best = t;
    };
    for (const t of DECISION_TYPES) {
      const key = `${t}|${canon.value}`;
      if (this.exact.get(key)?.size) {
        const e = this.entryFor(key);
        if (e) consider(t, e.expiresAt);
      }
    }
    if (this.ranges.size) {
      const addr = canon.range[0];
      for (const h of this.ranges.values()) {
        if (h.range[0].kind() === addr.kind() && addr.match(h.range as [ipaddr.IPv4, number]))
          consider(h.type, h.entry.expiresAt);
      }
    }
    return best;
  }
}
