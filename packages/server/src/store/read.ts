/**
 * Read paths shared by both backends (they differ only in how a statement is executed and
 * in the per-partition full-text context).
 */
import { HOT_FIELDS, type KyokaEvent } from '@kyoka/core';
import { type Dialect, fieldParts } from '../search/sql-util.ts';
import {
  checkWindow,
  DAY_MS,
  decodeCursor,
  encodeCursor,
  histogramBuckets,
  overlapping,
  type PartitionInfo,
} from './partition.ts';
import { countSql, histogramSql, type PartRef, type Sql, searchSql, topSql, topValue } from './queries.ts';
import type { HistogramRequest, SearchRequest, SearchResult, TopRequest } from './types.ts';

export interface Reader {
  dialect: Dialect;
  partitions(): Iterable<PartitionInfo>;
  ref(p: PartitionInfo): PartRef;
  all(q: Sql): Promise<Array<Record<string, unknown>>>;
}

const MAX_LIMIT = 10_000;

function parseDoc(doc: unknown): KyokaEvent {
  return (typeof doc === 'string' ? JSON.parse(doc) : doc) as KyokaEvent;
}

export async function readSearch(r: Reader, req: SearchRequest): Promise<SearchResult> {
  checkWindow(req.from, req.to);
  const order = req.order === 'asc' ? 'asc' : 'desc';
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(req.limit) || 1));
  const cursor = req.cursor ? decodeCursor(req.cursor) : null;
  const parts = overlapping(r.partitions(), req.from, req.to);
  if (order === 'asc') parts.reverse();
  const refs = parts.map((p) => r.ref(p));
  let total = 0;
  if (refs.length) {
    const rows = await r.all(countSql(r.dialect, refs, req.query, req.from, req.to));
    total = Number(rows[0]?.total ?? 0);
  }
  // partitions are disjoint days, visited in output order: stop as soon as the page is full
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < parts.length && rows.length <= limit; i++) {
    const start = parts[i]!.day * DAY_MS;
    if (cursor && (order === 'desc' ? start > cursor.ts : start + DAY_MS <= cursor.ts)) continue;
    const q = searchSql(r.dialect, refs[i]!, req.query, req, cursor, order, limit + 1 - rows.length);
    rows.push(...(await r.all(q)));
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    total,
    events: page.map((x) => parseDoc(x.doc)),
    cursor: rows.length > limit && last ? encodeCursor({ ts: Number(last.ts), id: String(last.id) }) : null,
  };
}

export async function readTop(r: Reader, req: TopRequest): Promise<Array<{ value: string | number; count: number }>> {
  checkWindow(req.from, req.to);
  const refs = overlapping(r.partitions(), req.from, req.to).map((p) => r.ref(p));
  const n = Math.max(1, Math.min(1000, Math.floor(req.n) || 1));
  if (!HOT_FIELDS[req.field]) fieldParts(req.field); // validate even when no partition overlaps
  if (!refs.length) return [];
  const rows = await r.all(topSql(r.dialect, refs, req.field, req.query, req, n));
  return rows.map((x) => ({ value: topValue(req.field, x.v), count: Number(x.c) }));
}

export async function readHistogram(r: Reader, req: HistogramRequest): Promise<Array<{ ts: number; count: number }>> {
  checkWindow(req.from, req.to);
  const buckets = histogramBuckets(req.from, req.to, req.intervalMs);
  const refs = overlapping(r.partitions(), req.from, req.to).map((p) => r.ref(p));
  const counts = new Map<number, number>();
  if (refs.length) {
    const rows = await r.all(histogramSql(r.dialect, refs, req.query, req.from, req.to, req.intervalMs));
    for (const x of rows) counts.set(Number(x.b) * req.intervalMs, Number(x.c));
  }
  return buckets.map((ts) => ({ ts, count: counts.get(ts) ?? 0 }));
}

/** get(id): the event can only be in one partition per timestamp; try newest first. */
export function getSql(d: Dialect, parts: PartitionInfo[], id: string): Sql | null {
  if (!parts.length) return null;
  const ph = d === 'sqlite' ? '?' : '$1';
  const subs = parts.map((p) => `SELECT doc FROM ${p.table} WHERE id = ${ph}`);
  return { sql: `${subs.join(' UNION ALL ')} LIMIT 1`, params: d === 'sqlite' ? parts.map(() => id) : [id] };
}

export { parseDoc };
