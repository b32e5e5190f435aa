/**
 * Per-partition value counts ("rollups") built when a partition is sealed, so top-N over many
 * hours does not re-group every event. The counts live in event_rollups (field = the column
 * name, part, value, n) and are exact: a partition written to after its rollup was built is
 * marked not rolled (event_partitions.rolled = 0) and read live until maintenance rebuilds it.
 *
 * top-N over the rolled partitions uses the three-phase threshold algorithm (TPUT, Cao & Wang
 * 2004): the top N of each partition give a lower bound τ for the N-th total; any value whose
 * total can reach τ has a count ≥ τ/m in some partition, so only those rows are fetched, and
 * the candidates whose upper bound still reaches the N-th lower bound are counted exactly. On
 * skewed attack traffic it reads a few hundred rows instead of every (value, hour) pair; on
 * uniform data it degrades to reading them all, never to a wrong answer.
 */
import type { Dialect } from '../search/sql-util.ts';
import { Params } from '../search/sql-util.ts';
import type { Sql } from './queries.ts';

/** Columns with a rollup: the grouped fields of the console and the detection rules. */
export const ROLLUP_COLUMNS: readonly string[] = ['src_ip_key', 'action', 'dataset', 'user_name'];
/** Pseudo-field holding the partition's row count, checked before a rollup is marked current. */
export const ROLLUP_TOTAL = '*';

/** Statements that (re)build one partition's rollups; run in one transaction. */
export function rollupBuildSql(d: Dialect, table: string, part: number): Sql[] {
  const out: Sql[] = [rollupDropSql(d, part)];
  const p = (i: number) => (d === 'sqlite' ? '?' : `$${i}`);
  for (const col of ROLLUP_COLUMNS) {
    out.push({
      sql: `INSERT INTO event_rollups (field, part, value, n) SELECT ${p(1)}, ${p(2)}, ${col}, count(*) FROM ${table} WHERE ${col} IS NOT NULL GROUP BY ${col}`,
      params: [col, part],
    });
  }
  out.push({
    sql: `INSERT INTO event_rollups (field, part, value, n) SELECT ${p(1)}, ${p(2)}, '', count(*) FROM ${table}`,
    params: [ROLLUP_TOTAL, part],
  });
  return out;
}

export function rollupDropSql(d: Dialect, part: number): Sql {
  return { sql: `DELETE FROM event_rollups WHERE part = ${d === 'sqlite' ? '?' : '$1'}`, params: [part] };
}

/**
 * Marks the rollup current only if the partition still holds the rows that were counted: a
 * concurrent write (another server, PostgreSQL) leaves it unrolled for the next round.
 */
export function rollupMarkSql(d: Dialect, part: number): Sql {
  const p = (i: number) => (d === 'sqlite' ? '?' : `$${i}`);
  return {
    sql: `UPDATE event_partitions SET rolled = 1 WHERE part = ${p(1)} AND rows = (SELECT n FROM event_rollups WHERE field = ${p(2)} AND part = ${p(3)} AND value = '')`,
    params: [part, ROLLUP_TOTAL, part],
  };
}

type Run = (q: Sql) => Promise<Array<Record<string, unknown>>>;

function inList(params: Params, xs: unknown[]): string {
  return xs.map((x) => params.add(x)).join(', ');
}

/** n-th largest of xs (1-based), or 0 when there are fewer than n. */
function nthLargest(xs: Iterable<number>, n: number): number {
  const a = Float64Array.from(xs).sort();
  return a.length >= n ? a[a.length - n]! : 0;
}

const CHUNK = 400;

/**
 * Totals of the values that can be in the top n: live (exact counts of the partitions read
 * directly) plus the rolled partitions `parts`. Returns value → exact total for a superset of
 * the top n (every value whose total reaches the n-th largest total).
 */
export async function rollupCandidates(
  d: Dialect,
  run: Run,
  column: string,
  parts: number[],
  live: Map<unknown, number>,
  n: number,
): Promise<Map<unknown, number>> {
  const m = parts.length;
  // seen[v] = per-part counts read so far (part -> n)
  const seen = new Map<unknown, Map<number, number>>();
  const note = (v: unknown, part: number, c: number) => {
    const s = seen.get(v);
    if (s) s.set(part, c);
    else seen.set(v, new Map([[part, c]]));
  };
  const lower = (v: unknown) => {
    let t = live.get(v) ?? 0;
    for (const c of seen.get(v)?.values() ?? []) t += c;
    return t;
  };

  // phase 1: each partition's top n
  for (const part of parts) {
    const q = new Params(d);
    // SQLite's planner prefers the primary key and sorts the whole partition: name the index
    const from = d === 'sqlite' ? 'event_rollups INDEXED BY event_rollups_n' : 'event_rollups';
    const sql = `SELECT value AS v, n FROM ${from} WHERE field = ${q.add(column)} AND part = ${q.add(part)} ORDER BY n DESC LIMIT ${q.add(n)}`;
    for (const x of await run({ sql, params: q.values })) note(x.v, part, Number(x.n));
  }
  const keys1 = new Set<unknown>([...live.keys(), ...seen.keys()]);
  const tau1 = nthLargest([...keys1].map(lower), n);

  // phase 2: every row that could lift a value to tau1
  const t = Math.max(1, Math.ceil(tau1 / m));
  {
    const q = new Params(d);
    const sql = `SELECT part, value AS v, n FROM event_rollups WHERE field = ${q.add(column)} AND part IN (${inList(q, parts)}) AND n >= ${q.add(t)}`;
    for (const x of await run({ sql, params: q.values })) note(x.v, Number(x.part), Number(x.n));
  }
  const keys2 = new Set<unknown>([...live.keys(), ...seen.keys()]);
  const tau2 = nthLargest([...keys2].map(lower), n);
  // an unseen (value, part) count is below t
  const upper = (v: unknown) => lower(v) + (m - (seen.get(v)?.size ?? 0)) * (t - 1);
  const cands = [...keys2].filter((v) => upper(v) >= tau2);

  // phase 3: exact counts of the candidates where not seen yet
  const missing = cands.filter((v) => (seen.get(v)?.size ?? 0) < m);
  for (let i = 0; i < missing.length; i += CHUNK) {
    const vs = missing.slice(i, i + CHUNK);
    const q = new Params(d);
    const sql = `SELECT part, value AS v, n FROM event_rollups WHERE field = ${q.add(column)} AND part IN (${inList(q, parts)}) AND value IN (${inList(q, vs)})`;
    for (const x of await run({ sql, params: q.values })) note(x.v, Number(x.part), Number(x.n));
  }
  const out = new Map<unknown, number>();
  for (const v of cands) out.set(v, lower(v));
  return out;
}
