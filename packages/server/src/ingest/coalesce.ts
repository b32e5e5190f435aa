/**
 * Per-request duplicate counts when several requests share one store transaction. The store
 * only reports totals (inserted, duplicates) for a transaction, so the writer used to tell
 * every coalesced request "duplicates: 0" — 20 parallel POSTs of one event all heard 0 though
 * 19 were ignored. Here:
 *
 * 1. Copies of one event inside the batch (same id and @timestamp hour, the store's uniqueness
 *    key: store/partition.ts) are removed before the insert; the first copy, in arrival order,
 *    is the one that can be new, every later copy is a duplicate of the request that sent it.
 * 2. The store's count then only covers events already stored before this batch. It is
 *    attributed exactly when arithmetic decides it (none, all of them, or only one request
 *    could hold them); otherwise a few events are looked up: an event whose stored copy carries
 *    another receive time (`event.ingested`) was there before.
 */
import type { KyokaEvent } from '@kyoka/core';

export interface CoalescedBatch {
  /** What goes to the store: every event once. */
  unique: KyokaEvent[];
  /** Per request, in order: its events that went to the store, and its in-batch copies. */
  parts: Array<{ unique: KyokaEvent[]; copies: number }>;
}

/** Most events looked up to attribute duplicates of an ambiguous batch. */
export const MAX_LOOKUPS = 256;

function key(e: KyokaEvent): string {
  // '@timestamp' is canonical ISO (normalizeEvent): its first 13 characters name the hour
  return `${e.id}\u0000${String(e['@timestamp']).slice(0, 13)}`;
}

export function coalesce(requests: KyokaEvent[][]): CoalescedBatch {
  const seen = new Set<string>();
  const unique: KyokaEvent[] = [];
  const parts: CoalescedBatch['parts'] = [];
  for (const events of requests) {
    const mine: KyokaEvent[] = [];
    let copies = 0;
    for (const e of events) {
      const k = key(e);
      if (seen.has(k)) copies++;
      else {
        seen.add(k);
        mine.push(e);
        unique.push(e);
      }
    }
    parts.push({ unique: mine, copies });
  }
  return { unique, parts };
}

/**
 * Duplicates per request, given how many of `batch.unique` the store found already stored.
 * Returns null when that cannot be decided within MAX_LOOKUPS lookups (the caller then reports
 * only the in-batch copies, which are certain).
 */
export async function attributeDuplicates(
  batch: CoalescedBatch,
  storeDuplicates: number,
  lookup: (id: string) => Promise<KyokaEvent | null>,
): Promise<number[] | null> {
  const copies = batch.parts.map((p) => p.copies);
  if (storeDuplicates <= 0) return copies;
  if (storeDuplicates >= batch.unique.length) return batch.parts.map((p) => p.copies + p.unique.length);
  const candidates = batch.parts.filter((p) => p.unique.length > 0);
  if (candidates.length === 1) {
    const i = batch.parts.indexOf(candidates[0] as (typeof batch.parts)[number]);
    return copies.map((c, j) => (j === i ? c + storeDuplicates : c));
  }
  if (batch.unique.length > MAX_LOOKUPS) return null;
  const out = [...copies];
  let found = 0;
  for (const [i, p] of batch.parts.entries()) {
    for (const e of p.unique) {
      const stored = await lookup(e.id);
      if (stored && stored.event?.ingested !== e.event?.ingested) {
        out[i] = (out[i] ?? 0) + 1;
        found++;
      }
    }
  }
  // same-millisecond receive times or an id stored under another hour would blur the test
  return found === storeDuplicates ? out : null;
}
