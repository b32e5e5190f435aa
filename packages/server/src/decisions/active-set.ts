/**
 * The active decisions in memory, for lookups on every request/packet path: single
 * addresses in a Map keyed by canonical text, CIDRs in a small list scanned linearly
 * (ranges are rare next to single IPs), plus value+type → decision for merges.
 */
import type { DecisionRow } from './db.ts';
import { contains, type IpValue, tryParseValue } from './ip.ts';

interface RangeEntry {
  net: IpValue;
  row: DecisionRow;
}

export class ActiveSet {
  private readonly byId = new Map<number, DecisionRow>();
  private readonly byAddr = new Map<string, DecisionRow[]>();
  private ranges: RangeEntry[] = [];

  get size(): number {
    return this.byId.size;
  }

  get(id: number): DecisionRow | undefined {
    return this.byId.get(id);
  }

  all(): IterableIterator<DecisionRow> {
    return this.byId.values();
  }

  /** Inserts or replaces (same id) a live decision. */
  put(row: DecisionRow): void {
    if (this.byId.has(row.id)) this.delete(row.id);
    const v = tryParseValue(row.value);
    if (!v) return;
    this.byId.set(row.id, row);
    if (v.scope === 'Ip') {
      const list = this.byAddr.get(v.value);
      if (list) list.push(row);
      else this.byAddr.set(v.value, [row]);
    } else this.ranges.push({ net: v, row });
  }

  delete(id: number): DecisionRow | undefined {
    const row = this.byId.get(id);
    if (!row) return undefined;
    this.byId.delete(id);
    const list = this.byAddr.get(row.value);
    if (list) {
      const rest = list.filter((r) => r.id !== id);
      if (rest.length) this.byAddr.set(row.value, rest);
      else this.byAddr.delete(row.value);
    } else this.ranges = this.ranges.filter((e) => e.row.id !== id);
    return row;
  }

  /** The live decision for exactly this value and type. */
  find(value: string, type: string): DecisionRow | undefined {
    const list = this.byAddr.get(value) ?? this.ranges.filter((e) => e.row.value === value).map((e) => e.row);
    return list.find((r) => r.type === type);
  }

  /** Live decisions covering the address or range (exact address entries and containing CIDRs). */
  covering(target: IpValue, now = Date.now()): DecisionRow[] {
    const out: DecisionRow[] = [];
    if (target.scope === 'Ip') for (const r of this.byAddr.get(target.value) ?? []) out.push(r);
    for (const e of this.ranges) {
      if (e.row.value === target.value || contains(e.net, target)) out.push(e.row);
    }
    return out.filter((r) => r.expires_at > now);
  }

  /** Live decisions inside the range (the range itself included). */
  within(range: IpValue, now = Date.now()): DecisionRow[] {
    const out: DecisionRow[] = [];
    for (const r of this.byId.values()) {
      const v = tryParseValue(r.value);
      if (v && r.expires_at > now && contains(range, v)) out.push(r);
    }
    return out;
  }

  /** Ids whose expiry has passed. */
  expired(now: number): number[] {
    const ids: number[] = [];
    for (const r of this.byId.values()) if (r.expires_at <= now) ids.push(r.id);
    return ids;
  }
}
