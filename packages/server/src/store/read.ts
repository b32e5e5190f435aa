/**
 * Read paths shared by both backends (they differ only in how a statement is executed and
 * in the per-partition full-text context).
 */
import { HOT_FIELDS, type KyokaEvent } from '@kyoka/core';
import { COLUMN_FIELDS } from '../search/columns.ts';
import { type Dialect, fieldParts } from '../search/sql-util.ts';
import {
  checkWindow,
  decodeCursor,
  encodeCursor,
  histogramBuckets,
  overlapping,
  PARTITION_MS,
  type PartitionInfo,
  partStart,
} from './partition.ts';
import {
  compareSqlValues,
  countSql,
  histogramSql,
  type PartRef,
  type Sql,
  searchSql,
  topSql,
  topValue,
} from './queries.ts';
import { ROLLUP_COLUMNS, rollupCandidates } from './rollups.ts';
import type { HistogramRequest, SearchRequest, SearchResult, TopRequest } from './types.ts';

export interface Reader {
  dialect: Dialect;
  partitions(): Iterable<PartitionInfo>;
  ref(p: PartitionInfo): PartRef;
  all(q: Sql): Promise<Array<Record<string, unknown>>>;
}

const MAX_LIMIT = 10_000;
/** Partitions per UNION ALL statement (SQLite allows at most 500 terms in a compound SELECT). */
const UNION_CHUNK = 100;

function chunks<T>(xs: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += UNION_CHUNK) out.push(xs.slice(i, i + UNION_CHUNK));
  return out;
}

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
  const hits = new Array<number>(refs.length).fill(0);
  let base = 0;
  for (const c of chunks(refs)) {
    for (const x of await r.all(countSql(r.dialect, c, req.query, req.from, req.to))) {
      hits[base + Number(x.i)] = Number(x.c);
      total += Number(x.c);
    }
    base += c.length;
  }
  // partitions are disjoint hours, visited in output order: stop as soon as the page is full;
  // partitions without a match in the window are not read at all
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < parts.length && rows.length <= limit; i++) {
    if (hits[i] === 0) continue;
    const start = parts[i]!.part * PARTITION_MS;
    if (cursor && (order === 'desc' ? start > cursor.ts : start + PARTITION_MS <= cursor.ts)) continue;
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
  if (!COLUMN_FIELDS[req.field] && !HOT_FIELDS[req.field]) fieldParts(req.field); // validate even when no partition overlaps
  if (!refs.length) return [];
  const rolled = await rollupTop(r, req, n);
  if (rolled) return rolled;
  if (refs.length <= UNION_CHUNK) {
    const rows = await r.all(topSql(r.dialect, refs, req.field, req.query, req, n));
    return rows.map((x) => ({ value: topValue(req.field, x.v), count: Number(x.c) }));
  }
  return rankTop(req.field, await liveSums(r, refs, req), n);
}

/** Exact value -> count over refs within win, grouped in SQL per chunk of partitions and summed into sums. */
async function liveSums(
  r: Reader,
  refs: PartRef[],
  req: TopRequest,
  win: { from: number; to: number } = req,
  sums = new Map<unknown, number>(),
  sign = 1,
): Promise<Map<unknown, number>> {
  for (const c of chunks(refs)) {
    for (const x of await r.all(topSql(r.dialect, c, req.field, req.query, win, null))) {
      sums.set(x.v, (sums.get(x.v) ?? 0) + sign * Number(x.c));
    }
  }
  return sums;
}

/**
 * Unfiltered top-N of a rolled-up column: the rollups answer for the rolled partitions, the
 * rest (the hot hour, unrolled ones) is grouped live. A rolled partition cut by the window
 * takes the cheaper side: its part inside grouped live, or its rollup minus the part outside.
 */
async function rollupTop(
  r: Reader,
  req: TopRequest,
  n: number,
): Promise<Array<{ value: string | number; count: number }> | null> {
  const column = COLUMN_FIELDS[req.field]?.column;
  if (req.query.type !== 'all' || !column || !ROLLUP_COLUMNS.includes(column)) return null;
  const parts = overlapping(r.partitions(), req.from, req.to);
  const inside = (p: PartitionInfo) => Math.min(partStart(p) + PARTITION_MS, req.to) - Math.max(partStart(p), req.from);
  const useRollup = (p: PartitionInfo) => p.rolled && p.sealed && 2 * inside(p) >= PARTITION_MS;
  if (parts.filter(useRollup).length < 2) return null;
  const rolled: number[] = [];
  const live = new Map<unknown, number>();
  const direct: PartRef[] = [];
  for (const p of parts) {
    const ref = r.ref(p);
    if (!useRollup(p)) {
      if (inside(p) === PARTITION_MS) direct.push(ref);
      else await liveSums(r, [ref], req, req, live);
      continue;
    }
    rolled.push(p.part);
    if (ref.start < req.from) await liveSums(r, [ref], req, { from: ref.start, to: req.from }, live, -1);
    if (ref.end > req.to) await liveSums(r, [ref], req, { from: req.to, to: ref.end }, live, -1);
  }
  if (direct.length) await liveSums(r, direct, req, req, live);
  return rankTop(req.field, await rollupCandidates(r.dialect, r.all, column, rolled, live, n), n);
}

/** The n largest counts, ties by SQL value order; only entries reaching the n-th count are sorted. */
function rankTop(
  field: string,
  sums: Map<unknown, number>,
  n: number,
): Array<{ value: string | number; count: number }> {
  const counts = Float64Array.from(sums.values()).sort();
  const min = counts[Math.max(0, counts.length - n)] ?? 0;
  const top: Array<[unknown, number]> = [];
  for (const e of sums) if (e[1] >= min) top.push(e);
  top.sort((a, b) => b[1] - a[1] || compareSqlValues(a[0], b[0]));
  return top.slice(0, n).map(([v, c]) => ({ value: topValue(field, v), count: c }));
}

export async function readHistogram(r: Reader, req: HistogramRequest): Promise<Array<{ ts: number; count: number }>> {
  checkWindow(req.from, req.to);
  const buckets = histogramBuckets(req.from, req.to, req.intervalMs);
  const refs = overlapping(r.partitions(), req.from, req.to).map((p) => r.ref(p));
  const counts = new Map<number, number>();
  for (const c of chunks(refs)) {
    const rows = await r.all(histogramSql(r.dialect, c, req.query, req.from, req.to, req.intervalMs));
    for (const x of rows) {
      const ts = Number(x.b) * req.intervalMs;
      counts.set(ts, (counts.get(ts) ?? 0) + Number(x.c));
    }
  }
  return buckets.map((ts) => ({ ts, count: counts.get(ts) ?? 0 }));
}

/** get(id): the event can only be in one partition per timestamp; try newest first. */
export async function readGet(r: Reader, id: string): Promise<KyokaEvent | null> {
  const parts = [...r.partitions()].filter((p) => p.rows > 0).sort((a, b) => b.part - a.part);
  const ph = r.dialect === 'sqlite' ? '?' : '$1';
  for (const c of chunks(parts)) {
    const subs = c.map((p) => `SELECT doc FROM ${p.table} WHERE id = ${ph}`);
    const q: Sql = {
      sql: `${subs.join(' UNION ALL ')} LIMIT 1`,
      params: r.dialect === 'sqlite' ? c.map(() => id) : [id],
    };
    const rows = await r.all(q);
    if (rows[0]) return parseDoc(rows[0].doc);
  }
  return null;
}

export { parseDoc };
