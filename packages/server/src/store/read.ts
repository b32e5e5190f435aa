/**
 * Read paths shared by both backends (they differ only in how a statement is executed and
 * in the per-partition full-text context).
 */
import { HOT_FIELDS, KyokaError, type KyokaEvent } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { COLUMN_FIELDS } from '../search/columns.ts';
import { checkQuerySize, compileWhere, MAX_STATEMENT_PREDICATES, Params } from '../search/compile.ts';
import { type Dialect, fieldParts } from '../search/sql-util.ts';
import {
  type CursorKey,
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
  docSql,
  histogramSql,
  type PartRef,
  type Sql,
  searchSql,
  topSql,
  topValue,
} from './queries.ts';
import { ROLLUP_COLUMNS, rollupCandidates } from './rollups.ts';
import { HIT_FIELD_MAX_CHARS, PAGE_MAX_BYTES, PAGE_READ_MAX_BYTES, truncateHit } from './search-page.ts';
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
/**
 * Bound parameters per statement (SQLite allows 32766, PostgreSQL 65535). Every partition of a
 * UNION ALL repeats the query's parameters, so a long query gets fewer partitions per statement
 * instead of a database error answered as a storage failure.
 */
const MAX_PARAMS = 30_000;

function chunks<T>(xs: T[], size = UNION_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Partitions per statement for this query, after checking its size (KYOKA_E_BAD_QUERY past
 * MAX_PREDICATES): at most MAX_STATEMENT_PREDICATES predicates in all (SQLite's prepare time is
 * quadratic in them), and at most MAX_PARAMS parameters, measured on one partition compiled
 * with a full-text index (the most a partition can take) plus time bounds, cursor and limits.
 */
function chunkSize(d: Dialect, q: QueryNode): number {
  const preds = checkQuerySize(q);
  const params = new Params(d);
  compileWhere(q, { params, alias: 't', fts: { base: 'b', table: 'f', hw: 0 } });
  const perPart = params.values.length + 8;
  const byParams = Math.floor(MAX_PARAMS / perPart);
  const byPreds = Math.floor(MAX_STATEMENT_PREDICATES / Math.max(1, preds));
  return Math.max(1, Math.min(UNION_CHUNK, byParams, byPreds));
}

/**
 * Database limits only a query's shape can reach (expression depth, bound parameters, stack
 * depth). chunkSize() and the compiler keep queries under them; should one still be hit, it is
 * the query's fault (400 KYOKA_E_BAD_QUERY), not "storage failing, retry later" (503).
 */
const QUERY_LIMIT =
  /Expression tree is too large|too many SQL variables|too many terms in compound SELECT|stack depth limit exceeded|number of parameters must be between/i;

/** Rethrows a database error caused by the query's size as KYOKA_E_BAD_QUERY, others as they are. */
export function asQueryError(err: unknown): never {
  if (!(err instanceof KyokaError) && err instanceof Error && QUERY_LIMIT.test(err.message)) {
    throw new KyokaError('KYOKA_E_BAD_QUERY', 'query is too complex: use fewer terms or a shorter time range', {
      cause: err,
    });
  }
  throw err;
}

function parseDoc(doc: unknown): KyokaEvent {
  return (typeof doc === 'string' ? JSON.parse(doc) : doc) as KyokaEvent;
}

export async function readSearch(r: Reader, req: SearchRequest): Promise<SearchResult> {
  checkWindow(req.from, req.to);
  const order = req.order === 'asc' ? 'asc' : 'desc';
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.floor(req.limit) || 1));
  const cursor = req.cursor ? decodeCursor(req.cursor) : null;
  const size = chunkSize(r.dialect, req.query);
  const parts = overlapping(r.partitions(), req.from, req.to);
  if (order === 'asc') parts.reverse();
  const refs = parts.map((p) => r.ref(p));
  let total = 0;
  const hits = new Array<number>(refs.length).fill(0);
  let base = 0;
  for (const c of chunks(refs, size)) {
    for (const x of await r.all(countSql(r.dialect, c, req.query, req.from, req.to))) {
      hits[base + Number(x.i)] = Number(x.c);
      total += Number(x.c);
    }
    base += c.length;
  }
  // partitions are disjoint hours, visited in output order: stop as soon as the page is full
  // (limit events, or PAGE_MAX_BYTES of them); partitions without a match are not read at all
  const events: KyokaEvent[] = [];
  const budget = { bytes: 0, read: 0 };
  let last: CursorKey | null = null;
  let more = false;
  pages: for (let i = 0; i < parts.length; i++) {
    if (hits[i] === 0) continue;
    const start = parts[i]!.part * PARTITION_MS;
    if (cursor && (order === 'desc' ? start > cursor.ts : start + PARTITION_MS <= cursor.ts)) continue;
    const q = searchSql(r.dialect, refs[i]!, req.query, req, cursor, order, limit + 1 - events.length);
    for (const row of await r.all(q)) {
      if (events.length === limit) {
        more = true;
        break pages;
      }
      const hit = await pageHit(r, refs[i]!, row, events.length === 0 ? null : budget);
      if (hit === 'full') {
        more = true;
        break pages;
      }
      last = { ts: Number(row.ts), id: String(row.id) };
      if (!hit) continue; // deleted (retention) since the page query
      events.push(hit.doc);
      budget.bytes += hit.bytes;
      budget.read += Number(row.n);
    }
  }
  return { total, events, cursor: more && last ? encodeCursor(last) : null };
}

/**
 * One search hit within the page's budget (null: the first hit, always taken): the event with
 * long strings cut (search-page.ts) and its size, 'full' when it does not fit, or null when it
 * is gone. A large event is read alone.
 */
async function pageHit(
  r: Reader,
  ref: PartRef,
  row: Record<string, unknown>,
  used: { bytes: number; read: number } | null,
): Promise<{ doc: KyokaEvent; bytes: number } | 'full' | null> {
  const stored = Number(row.n);
  const room = used ? PAGE_MAX_BYTES - used.bytes : Number.POSITIVE_INFINITY;
  if (used && used.read + stored > PAGE_READ_MAX_BYTES) return 'full';
  // cutting strings can only shrink an event; one with no string to cut cannot fit
  if (stored > room && stored <= HIT_FIELD_MAX_CHARS) return 'full';
  let text = row.doc;
  if (text === null || text === undefined) {
    const [one] = await r.all(docSql(r.dialect, ref, String(row.id)));
    if (!one) return null;
    text = one.doc;
  }
  const doc = parseDoc(text);
  const bytes = stored > HIT_FIELD_MAX_CHARS ? truncateHit(doc, stored) : stored;
  return bytes > room ? 'full' : { doc, bytes };
}

export async function readTop(r: Reader, req: TopRequest): Promise<Array<{ value: string | number; count: number }>> {
  checkWindow(req.from, req.to);
  const refs = overlapping(r.partitions(), req.from, req.to).map((p) => r.ref(p));
  const n = Math.max(1, Math.min(1000, Math.floor(req.n) || 1));
  if (!COLUMN_FIELDS[req.field] && !HOT_FIELDS[req.field]) fieldParts(req.field); // validate even when no partition overlaps
  const size = chunkSize(r.dialect, req.query);
  if (!refs.length) return [];
  const rolled = await rollupTop(r, req, n);
  if (rolled) return rolled;
  if (refs.length <= size) {
    const rows = await r.all(topSql(r.dialect, refs, req.field, req.query, req, n));
    return rows.map((x) => ({ value: topValue(req.field, x.v), count: Number(x.c) }));
  }
  return rankTop(req.field, await liveSums(r, refs, req, req, new Map(), 1, size), n);
}

/** Exact value -> count over refs within win, grouped in SQL per chunk of partitions and summed into sums. */
async function liveSums(
  r: Reader,
  refs: PartRef[],
  req: TopRequest,
  win: { from: number; to: number } = req,
  sums = new Map<unknown, number>(),
  sign = 1,
  size = UNION_CHUNK,
): Promise<Map<unknown, number>> {
  for (const c of chunks(refs, size)) {
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
  const size = chunkSize(r.dialect, req.query);
  const refs = overlapping(r.partitions(), req.from, req.to).map((p) => r.ref(p));
  const counts = new Map<number, number>();
  for (const c of chunks(refs, size)) {
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
