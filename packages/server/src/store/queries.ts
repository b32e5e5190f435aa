/**
 * SQL text for reads, shared by both backends: each partition overlapping [from, to) gets its
 * own compiled predicate (SQLite free text depends on that partition's FTS high-water mark);
 * aggregations are UNION ALL'd and summed in SQL, search pages are read partition by
 * partition (partitions are disjoint in time, so no merge is needed).
 */
import { fieldType } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { COLUMN_FIELDS } from '../search/columns.ts';
import { compileWhere, type Dialect, docElements, Params, scalarDoc } from '../search/compile.ts';
import { keyToIp } from './ip.ts';
import type { CursorKey } from './partition.ts';
import { HIT_INLINE_MAX_BYTES } from './search-page.ts';

export interface PartRef {
  table: string;
  /** Partition bounds [start, end): no time condition when the window covers all of it. */
  start: number;
  end: number;
  /** SQLite: FTS table and high-water rowid (null when nothing is indexed yet). */
  fts: { base: string; table: string; hw: number } | null;
}

export interface Sql {
  sql: string;
  params: unknown[];
}

function where(params: Params, p: PartRef, q: QueryNode, from: number, to: number): string {
  const conds: string[] = [];
  if (from > p.start) conds.push(`t.ts >= ${params.add(from)}`);
  if (to < p.end) conds.push(`t.ts < ${params.add(to)}`);
  conds.push(compileWhere(q, { params, alias: 't', fts: p.fts }));
  return conds.join(' AND ');
}

export function searchSql(
  d: Dialect,
  p: PartRef,
  q: QueryNode,
  win: { from: number; to: number },
  cursor: CursorKey | null,
  order: 'asc' | 'desc',
  limit: number,
): Sql {
  const params = new Params(d);
  let w = where(params, p, q, win.from, win.to);
  const cmp = order === 'desc' ? '<' : '>';
  if (cursor) {
    w += ` AND (t.ts ${cmp} ${params.add(cursor.ts)} OR (t.ts = ${params.add(cursor.ts)} AND t.id ${cmp} ${params.add(cursor.id)}))`;
  }
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  // n: stored size in bytes; doc only when at most HIT_INLINE_MAX_BYTES (larger ones are read
  // one by one, search-page.ts). SQLite's octet_length() reads the size from the record header
  // without loading the value; PostgreSQL renders jsonb as text once, in the subquery.
  const inline = HIT_INLINE_MAX_BYTES;
  const page = `ORDER BY t.ts ${dir}, t.id ${dir} LIMIT ${params.add(limit)}`;
  if (d === 'sqlite') {
    const sql = `SELECT t.ts, t.id, octet_length(t.doc) AS n, CASE WHEN octet_length(t.doc) <= ${inline} THEN t.doc END AS doc FROM ${p.table} t WHERE ${w} ${page}`;
    return { sql, params: params.values };
  }
  const inner = `SELECT t.ts, t.id, t.doc::text AS d FROM ${p.table} t WHERE ${w} ${page}`;
  const sql = `SELECT s.ts, s.id, octet_length(s.d) AS n, CASE WHEN octet_length(s.d) <= ${inline} THEN s.d END AS doc FROM (${inner}) s ORDER BY s.ts ${dir}, s.id ${dir}`;
  return { sql, params: params.values };
}

/** One stored event as JSON text (a search hit too large to come with its page). */
export function docSql(d: Dialect, p: PartRef, id: string): Sql {
  const sql =
    d === 'sqlite'
      ? `SELECT doc FROM ${p.table} WHERE id = ?`
      : `SELECT doc::text AS doc FROM ${p.table} WHERE id = $1`;
  return { sql, params: [id] };
}

/** Matches per partition (`i` = index in parts): the total, and which partitions a page may skip. */
export function countSql(d: Dialect, parts: PartRef[], q: QueryNode, from: number, to: number): Sql {
  const params = new Params(d);
  const subs = parts.map(
    (p, i) => `SELECT ${i} AS i, count(*) AS c FROM ${p.table} t WHERE ${where(params, p, q, from, to)}`,
  );
  return { sql: subs.join(' UNION ALL '), params: params.values };
}

export function histogramSql(d: Dialect, parts: PartRef[], q: QueryNode, from: number, to: number, iv: number): Sql {
  const params = new Params(d);
  const subs = parts.map((p) => {
    // integer division in both dialects (better-sqlite3 binds numbers as REAL, hence the CAST)
    const div = d === 'sqlite' ? `CAST(${params.add(iv)} AS INTEGER)` : `${params.add(iv)}::bigint`;
    return `SELECT t.ts / ${div} AS b, count(*) AS c FROM ${p.table} t WHERE ${where(params, p, q, from, to)} GROUP BY 1`;
  });
  return { sql: `SELECT b, sum(c) AS c FROM (${subs.join(' UNION ALL ')}) x GROUP BY b`, params: params.values };
}

/** One partition's `v, c` groups of a field: columns group by themselves, others by element. */
function topPart(params: Params, p: PartRef, field: string, q: QueryNode, win: { from: number; to: number }): string {
  const d = params.dialect;
  const col = COLUMN_FIELDS[field];
  // IPs group by their key column: one bucket per address whatever its notation, and the
  // sealed (src_ip_key, ts) index covers the scan; catalog fields in doc as one scalar
  const sc = col ? null : scalarDoc(field, { params, alias: 't' });
  const expr = col ? `t.${col.column}` : sc ? (sc.type === 'long' ? sc.num : sc.text) : null;
  if (expr) {
    const w = where(params, p, q, win.from, win.to);
    return `SELECT ${expr} AS v, count(*) AS c FROM ${p.table} t WHERE ${w} AND ${expr} IS NOT NULL GROUP BY 1`;
  }
  // the element source comes first in the text, so its parameters are added first
  const ctx = { params, alias: 't', fts: p.fts };
  const src = docElements(field, ctx);
  const join = d === 'postgres' ? `CROSS JOIN LATERAL ${src.source}` : `, ${src.source}`;
  const w = where(params, p, q, win.from, win.to);
  return `SELECT ${src.el.text} AS v, count(*) AS c FROM ${p.table} t ${join} WHERE ${w} AND ${src.filter} GROUP BY 1`;
}

/**
 * top values of a field over partitions, summed (and, given n, ranked) in SQL. Measured on 24
 * hour partitions: per-partition GROUP BY (each streams from its sealed index) then one sum
 * beats both a single GROUP BY over the raw UNION ALL and summing the groups in JS.
 */
export function topSql(
  d: Dialect,
  parts: PartRef[],
  field: string,
  q: QueryNode,
  win: { from: number; to: number },
  n: number | null,
): Sql {
  const params = new Params(d);
  const subs = parts.map((p) => topPart(params, p, field, q, win));
  const sql = `SELECT v, sum(c) AS c FROM (${subs.join(' UNION ALL ')}) x GROUP BY v`;
  if (n === null) return { sql, params: params.values };
  // text columns are COLLATE "C" already; text from JSON needs it for byte-wise ties
  const vOrder = d === 'postgres' && !COLUMN_FIELDS[field] ? 'v COLLATE "C"' : 'v';
  return { sql: `${sql} ORDER BY 2 DESC, ${vOrder} LIMIT ${params.add(n)}`, params: params.values };
}

/** SQLite's order of values: numbers first (by value), then text by bytes (BINARY). */
export function compareSqlValues(a: unknown, b: unknown): number {
  const na = typeof a === 'number';
  const nb = typeof b === 'number';
  if (na || nb) return na && nb ? (a as number) - (b as number) : na ? -1 : 1;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

/** Normalizes a top() value to the field's type (numbers for long/date, strings otherwise). */
export function topValue(field: string, v: unknown): string | number {
  if (COLUMN_FIELDS[field]?.type === 'ip') return keyToIp(String(v));
  const t = fieldType(field);
  if (t === 'long' || t === 'date') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return String(v);
}
