/**
 * SQL text for reads, shared by both backends: each partition overlapping [from, to) gets its
 * own compiled predicate (SQLite free text depends on that partition's FTS high-water mark);
 * aggregations are UNION ALL'd and summed in SQL, search pages are read partition by
 * partition (partitions are disjoint in time, so no merge is needed).
 */
import { fieldType, HOT_FIELDS } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { compileWhere, type Dialect, docElements, Params } from '../search/compile.ts';
import { keyToIp } from './ip.ts';
import type { CursorKey } from './partition.ts';

export interface PartRef {
  table: string;
  /** Day bounds [start, end): no time condition when the window covers the whole day. */
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
  const sql = `SELECT t.ts, t.id, t.doc FROM ${p.table} t WHERE ${w} ORDER BY t.ts ${dir}, t.id ${dir} LIMIT ${params.add(limit)}`;
  return { sql, params: params.values };
}

export function countSql(d: Dialect, parts: PartRef[], q: QueryNode, from: number, to: number): Sql {
  const params = new Params(d);
  const subs = parts.map((p) => `SELECT count(*) AS c FROM ${p.table} t WHERE ${where(params, p, q, from, to)}`);
  return { sql: `SELECT COALESCE(sum(c), 0) AS total FROM (${subs.join(' UNION ALL ')}) x`, params: params.values };
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

/** top values of a field: hot fields group by their column, others by each scalar element. */
export function topSql(
  d: Dialect,
  parts: PartRef[],
  field: string,
  q: QueryNode,
  win: { from: number; to: number },
  n: number,
): Sql {
  const params = new Params(d);
  const hot = HOT_FIELDS[field];
  const subs = parts.map((p) => {
    if (hot) {
      // IPs group by their key: one bucket per address whatever its notation, and the sealed
      // (src_ip_key, ts) index covers the scan
      const col = hot.type === 'ip' ? `t.${hot.column}_key` : `t.${hot.column}`;
      const w = where(params, p, q, win.from, win.to);
      return `SELECT ${col} AS v, count(*) AS c FROM ${p.table} t WHERE ${w} AND ${col} IS NOT NULL GROUP BY 1`;
    }
    // the element source comes first in the text, so its parameters are added first
    const ctx = { params, alias: 't', fts: p.fts };
    const src = docElements(field, ctx);
    const join = d === 'postgres' ? `CROSS JOIN LATERAL ${src.source}` : `, ${src.source}`;
    const w = where(params, p, q, win.from, win.to);
    return `SELECT ${src.el.text} AS v, count(*) AS c FROM ${p.table} t ${join} WHERE ${w} AND ${src.filter} GROUP BY 1`;
  });
  // hot text columns are COLLATE "C" already; JSON element text needs it for byte-wise ties
  const vOrder = d === 'postgres' && !hot ? 'v COLLATE "C"' : 'v';
  const sql = `SELECT v, sum(c) AS c FROM (${subs.join(' UNION ALL ')}) x GROUP BY v ORDER BY 2 DESC, ${vOrder} LIMIT ${params.add(n)}`;
  return { sql, params: params.values };
}

/** Normalizes a top() value to the field's type (numbers for long/date, strings otherwise). */
export function topValue(field: string, v: unknown): string | number {
  if (HOT_FIELDS[field]?.type === 'ip') return keyToIp(String(v));
  const t = fieldType(field);
  if (t === 'long' || t === 'date') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return String(v);
}
