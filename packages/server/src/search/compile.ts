/**
 * Compiles the query AST into a parameterized SQL boolean expression for SQLite or
 * PostgreSQL. User text only ever travels as bind parameters; field names are either mapped
 * to columns (COLUMN_FIELDS), catalog fields (HOT_FIELDS) or validated and passed as JSON-path parameters.
 *
 * Semantics (identical in both backends, checked by the store conformance suite):
 * - keyword: exact, case-sensitive; wildcard * ? case-sensitive; arrays match any element.
 * - text (message): case-insensitive contains (ASCII folding guaranteed).
 * - ip: exact IP or CIDR (v4/v6, v4 seen as ::ffff:a.b.c.d) via sortable keys; wildcard on text.
 * - long/date: numeric (dates as ISO or epoch ms); keyword ranges are byte-wise lexical.
 * - free text: whole tokens of the event's string values (search/tokens.ts): a word is a
 *   case- and accent-insensitive token match, `term*` a token prefix, `"a b"` adjacent tokens
 *   in one value, other wildcards a glob over one token; see textPredicate.
 * - catalog fields that are not physical columns (search/columns.ts) are read from doc as
 *   scalars with their declared type (arrays and objects there match nothing, as before).
 * NULL never leaks through NOT: each NOT coalesces its child to FALSE.
 */
import { fieldType, HOT_FIELDS } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { ipKey, ipRange } from '../store/ip.ts';
import { COLUMN_FIELDS } from './columns.ts';
import { checkQuerySize, joinBalanced } from './query-size.ts';
import {
  badQuery,
  type Dialect,
  fieldParts,
  globPattern,
  likePattern,
  Params,
  sqliteJsonPath,
  toEpochMs,
  toNumber,
} from './sql-util.ts';
import { ftsQuery, longestLiteral, textSpec, tokenLike, tokenRegex } from './tokens.ts';

export { checkQuerySize, MAX_PREDICATES, MAX_STATEMENT_PREDICATES } from './query-size.ts';
export { type Dialect, Params } from './sql-util.ts';

export interface CompileContext {
  params: Params;
  /** Qualifier of the events table in the surrounding SQL. */
  alias: string;
  /** SQLite: this partition's table, its contentless FTS5 table and the highest rowid it covers. */
  fts?: { base: string; table: string; hw: number } | null;
}

export function compile(node: QueryNode, dialect: Dialect, alias = 't'): { sql: string; params: unknown[] } {
  checkQuerySize(node);
  const params = new Params(dialect);
  const sql = compileWhere(node, { params, alias });
  return { sql, params: params.values };
}

export function compileWhere(node: QueryNode, ctx: CompileContext): string {
  switch (node.type) {
    case 'all':
      return '1=1';
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.type === 'and' ? '1=1' : '1=0';
      const op = node.type === 'and' ? ' AND ' : ' OR ';
      return joinBalanced(
        node.children.map((c) => compileWhere(c, ctx)),
        op,
      );
    }
    case 'not':
      return `(NOT COALESCE(${compileWhere(node.child, ctx)}, FALSE))`;
    case 'term':
      return termPredicate(node.field, node.value, node.wildcard, ctx);
    case 'range':
      return rangePredicate(node.field, node.op, node.value, ctx);
    case 'exists':
      return existsPredicate(node.field, ctx);
    case 'text':
      return freeText(node.value, node.phrase, node.wildcard, ctx);
    default:
      throw badQuery(`unsupported query node ${(node as { type: string }).type}`);
  }
}

const pg = (ctx: CompileContext) => ctx.params.dialect === 'postgres';

function hotColumn(field: string, ctx: CompileContext): { col: string; type: string } | null {
  const h = COLUMN_FIELDS[field];
  return h ? { col: `${ctx.alias}.${h.column}`, type: h.type } : null;
}

/**
 * A catalog field read from doc as one scalar (text / number), like the column it used to be.
 * The path is inlined: catalog names are constants matching FIELD_RE (no quotes).
 */
export function scalarDoc(field: string, ctx: CompileContext): { text: string; num: string; type: string } | null {
  const type = HOT_FIELDS[field];
  if (!type) return null;
  const d = `${ctx.alias}.doc`;
  const parts = fieldParts(field);
  if (pg(ctx)) {
    const p = `'{${parts.join(',')}}'`;
    return {
      text: `(CASE WHEN jsonb_typeof(${d} #> ${p}) IN ('object', 'array') THEN NULL ELSE ${d} #>> ${p} END)`,
      num: `(CASE jsonb_typeof(${d} #> ${p}) WHEN 'number' THEN (${d} #>> ${p})::numeric END)`,
      type,
    };
  }
  const p = `'${sqliteJsonPath(parts)}'`;
  return {
    text: `(CASE json_type(${d}, ${p}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'object' THEN NULL WHEN 'array' THEN NULL ELSE CAST(json_extract(${d}, ${p}) AS TEXT) END)`,
    num: `(CASE json_type(${d}, ${p}) WHEN 'integer' THEN json_extract(${d}, ${p}) WHEN 'real' THEN json_extract(${d}, ${p}) END)`,
    type,
  };
}

function wildcardOn(col: string, value: string, ctx: CompileContext, caseInsensitive = false): string {
  if (caseInsensitive) {
    return `${col} ${pg(ctx) ? 'ILIKE' : 'LIKE'} ${ctx.params.add(likePattern(value, true, true))} ESCAPE '\\'`;
  }
  if (pg(ctx)) return `${col} LIKE ${ctx.params.add(likePattern(value, true, false))} ESCAPE '\\'`;
  return `${col} GLOB ${ctx.params.add(globPattern(value))}`;
}

function ipCondition(keyExpr: string, value: string, ctx: CompileContext): string {
  const r = ipRange(value);
  if (!r) throw badQuery(`not an IP address or CIDR: ${JSON.stringify(value)}`);
  if (r.lo === r.hi) return `${keyExpr} = ${ctx.params.add(r.lo)}`;
  return `${keyExpr} BETWEEN ${ctx.params.add(r.lo)} AND ${ctx.params.add(r.hi)}`;
}

function termPredicate(field: string, value: string, wildcard: boolean, ctx: CompileContext): string {
  const hot = hotColumn(field, ctx);
  if (!hot) {
    const sc = scalarDoc(field, ctx);
    if (sc) return scalarTerm(field, value, wildcard, sc, ctx);
    const pre = docPrefilter(field, value, wildcard, ctx);
    return `(${pre}${docPredicate(field, ctx, (el) => elementTerm(field, value, wildcard, el, ctx))})`;
  }
  const { col } = hot;
  switch (hot.type) {
    case 'ip':
      return wildcard ? wildcardOn(scalarDoc(field, ctx)!.text, value, ctx) : ipCondition(col, value, ctx);
    case 'long':
      if (wildcard) return wildcardOn(pg(ctx) ? `${col}::text` : `CAST(${col} AS TEXT)`, value, ctx);
      return intEquals(col, toNumber(field, value), ctx);
    case 'date':
      if (wildcard) throw badQuery(`${field}: wildcards are not supported on dates`);
      return intEquals(col, toEpochMs(field, value), ctx);
    default:
      return wildcard ? wildcardOn(col, value, ctx) : `${col} = ${ctx.params.add(value)}`;
  }
}

function scalarTerm(
  field: string,
  value: string,
  wildcard: boolean,
  sc: { text: string; num: string; type: string },
  ctx: CompileContext,
): string {
  switch (sc.type) {
    case 'text':
      return `${sc.text} ${pg(ctx) ? 'ILIKE' : 'LIKE'} ${ctx.params.add(likePattern(value, wildcard, true))} ESCAPE '\\'`;
    case 'ip':
      return wildcard ? wildcardOn(sc.text, value, ctx) : ipCondition(ipKeyFn(sc.text, ctx), value, ctx);
    case 'long':
      return wildcard ? wildcardOn(sc.text, value, ctx) : intEquals(sc.num, toNumber(field, value), ctx);
    default: {
      if (wildcard) return wildcardOn(sc.text, value, ctx);
      const pre = docPrefilter(field, value, false, ctx);
      return `(${pre}${sc.text} = ${ctx.params.add(value)})`;
    }
  }
}

const OPS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * Integer columns compared with integer parameters only (a fractional bound would make
 * PostgreSQL reject the bigint parameter or skip the index): x > 1.5 ⇔ x > 1, x >= 1.5 ⇔ x >= 2.
 */
function intBound(op: keyof typeof OPS, n: number): number {
  return op === 'gt' || op === 'lte' ? Math.floor(n) : Math.ceil(n);
}

function intEquals(col: string, n: number, ctx: CompileContext): string {
  return Number.isInteger(n) ? `${col} = ${ctx.params.add(n)}` : '1=0';
}

function rangePredicate(field: string, op: keyof typeof OPS, value: string, ctx: CompileContext): string {
  const sqlOp = OPS[op];
  const hot = hotColumn(field, ctx);
  const sc = hot ? null : scalarDoc(field, ctx);
  if (!hot && !sc) return docPredicate(field, ctx, (el) => elementRange(field, sqlOp, value, el, ctx));
  const type = hot ? hot.type : sc!.type;
  const num = hot ? hot.col : sc!.num;
  const txt = hot ? hot.col : sc!.text;
  switch (type) {
    case 'long':
      return `${num} ${sqlOp} ${ctx.params.add(intBound(op, toNumber(field, value)))}`;
    case 'date':
      return `${num} ${sqlOp} ${ctx.params.add(intBound(op, toEpochMs(field, value)))}`;
    case 'ip': {
      const k = ipKey(value);
      if (!k) throw badQuery(`not an IP address: ${JSON.stringify(value)}`);
      return `${hot ? hot.col : ipKeyFn(sc!.text, ctx)} ${sqlOp} ${ctx.params.add(k)}`;
    }
    default:
      return `${pg(ctx) ? `${txt} COLLATE "C"` : txt} ${sqlOp} ${ctx.params.add(value)}`;
  }
}

function existsPredicate(field: string, ctx: CompileContext): string {
  const hot = hotColumn(field, ctx);
  if (hot && hot.type !== 'ip') return `${hot.col} IS NOT NULL`;
  const sc = scalarDoc(field, ctx);
  if (sc) return `${sc.text} IS NOT NULL`;
  const parts = fieldParts(field);
  if (pg(ctx)) return `COALESCE(jsonb_typeof(${ctx.alias}.doc #> ${ctx.params.add(parts)}::text[]), 'null') <> 'null'`;
  return `COALESCE(json_type(${ctx.alias}.doc, ${ctx.params.add(sqliteJsonPath(parts))}), 'null') <> 'null'`;
}

// ---- non-hot fields: every scalar at the path, or every scalar element of an array there ----

interface Element {
  /** Element as text ('true'/'false' for booleans, canonical number text). */
  text: string;
  /** Element as a number (only meaningful when isNumber holds). */
  num: string;
  isNumber: string;
}

const SQLITE_EL: Element = {
  text: `(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END)`,
  num: 'j.value',
  isNumber: `j.type IN ('integer', 'real')`,
};
const PG_EL: Element = {
  text: `(j.v #>> '{}')`,
  num: `(j.v #>> '{}')::numeric`,
  isNumber: `jsonb_typeof(j.v) = 'number'`,
};

/** FROM-clause source yielding one row per scalar value at `field` (used by top() too). */
export function docElements(field: string, ctx: CompileContext): { source: string; filter: string; el: Element } {
  const parts = fieldParts(field);
  const d = `${ctx.alias}.doc`;
  if (pg(ctx)) {
    const p = `${ctx.params.add(parts)}::text[]`;
    return {
      source: `jsonb_array_elements(CASE jsonb_typeof(${d} #> ${p}) WHEN 'array' THEN ${d} #> ${p} WHEN 'object' THEN '[]'::jsonb ELSE jsonb_build_array(${d} #> ${p}) END) j(v)`,
      filter: `jsonb_typeof(j.v) NOT IN ('object', 'array', 'null')`,
      el: PG_EL,
    };
  }
  return {
    source: `json_each(${d}, ${ctx.params.add(sqliteJsonPath(parts))}) j`,
    // array elements have integer keys, a scalar at the path a NULL key; object members are skipped
    filter: `(j.key IS NULL OR typeof(j.key) = 'integer') AND j.type NOT IN ('object', 'array', 'null')`,
    el: SQLITE_EL,
  };
}

/**
 * SQLite: json_each over every row costs ~10 µs; an exact value must appear verbatim (JSON-
 * escaped) in the document text, so instr() on doc (byte search in C) discards most rows first.
 */
function docPrefilter(field: string, value: string, wildcard: boolean, ctx: CompileContext): string {
  const type = fieldType(field);
  if (pg(ctx) || wildcard || type === 'ip') return '';
  let needle = value;
  if (type === 'long') needle = String(toNumber(field, value));
  if (type === 'date') needle = new Date(toEpochMs(field, value)).toISOString();
  return `instr(${ctx.alias}.doc, ${ctx.params.add(JSON.stringify(needle).slice(1, -1))}) > 0 AND `;
}

function docPredicate(field: string, ctx: CompileContext, pred: (el: Element) => string): string {
  const { source, filter, el } = docElements(field, ctx);
  return `EXISTS (SELECT 1 FROM ${source} WHERE ${filter} AND ${pred(el)})`;
}

function elementTerm(field: string, value: string, wildcard: boolean, el: Element, ctx: CompileContext): string {
  const type = fieldType(field);
  if (type === 'long' && !wildcard) return `${el.isNumber} AND ${el.num} = ${ctx.params.add(toNumber(field, value))}`;
  if (type === 'ip' && !wildcard) return ipElement(el.text, value, ctx);
  if (type === 'date' && !wildcard)
    return `${el.text} = ${ctx.params.add(new Date(toEpochMs(field, value)).toISOString())}`;
  return wildcard ? wildcardOn(el.text, value, ctx) : `${el.text} = ${ctx.params.add(value)}`;
}

function elementRange(field: string, op: string, value: string, el: Element, ctx: CompileContext): string {
  const type = fieldType(field);
  if (type === 'long') return `${el.isNumber} AND ${el.num} ${op} ${ctx.params.add(toNumber(field, value))}`;
  // dates outside the hot columns are ISO-8601 UTC strings: compare them lexically
  const v = type === 'date' ? new Date(toEpochMs(field, value)).toISOString() : value;
  if (type === 'ip') {
    const k = ipKey(value);
    if (!k) throw badQuery(`not an IP address: ${JSON.stringify(value)}`);
    return `${ipKeyFn(el.text, ctx)} ${op} ${ctx.params.add(k)}`;
  }
  return `${pg(ctx) ? `${el.text} COLLATE "C"` : el.text} ${op} ${ctx.params.add(v)}`;
}

/** kyoka_ip_key(text): a SQL function each backend registers (SQLite UDF, PG plpgsql). */
function ipKeyFn(textExpr: string, _ctx: CompileContext): string {
  return `kyoka_ip_key(${textExpr})`;
}

function ipElement(textExpr: string, value: string, ctx: CompileContext): string {
  return ipCondition(ipKeyFn(textExpr, ctx), value, ctx);
}

// ---- free text ----

function freeText(value: string, phrase: boolean, wildcard: boolean, ctx: CompileContext): string {
  const words = phrase ? [value] : value.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return '1=1';
  if (words.length === 1) return textPredicate(words[0]!, wildcard, ctx);
  return joinBalanced(
    words.map((w) => textPredicate(w, wildcard, ctx)),
    ' AND ',
  );
}

/**
 * PostgreSQL: LIKE on the row's token string ` tok tok … ` (column txt, written at insert),
 * served by a pg_trgm GIN index once the partition is sealed, a scan while it is hot; globs
 * are verified with a regex. SQLite: one `rowid IN (…)` set, computed once: rows up to the
 * FTS high-water mark come from the FTS5 table (globs verified on the row), rows above it
 * (not indexed yet) from kyoka_match(doc, spec), which applies the same tokenizer in JS,
 * behind a LIKE prefilter. Answers never depend on whether the index caught up.
 */
function textPredicate(value: string, wildcard: boolean, ctx: CompileContext): string {
  const spec = textSpec(value, wildcard);
  if (!spec) return wildcard && /^[^\p{L}\p{N}]*\*[^\p{L}\p{N}]*$/u.test(value) ? '1=1' : '1=0';
  if (pg(ctx)) {
    const like = `${ctx.alias}.txt LIKE ${ctx.params.add(tokenLike(spec))} ESCAPE '\\'`;
    return spec.glob ? `(${like} AND ${ctx.alias}.txt ~ ${ctx.params.add(tokenRegex(spec))})` : like;
  }
  const d = `${ctx.alias}.doc`;
  const verify = (doc: string) => `kyoka_match(${doc}, ${ctx.params.add(JSON.stringify(spec))})`;
  // A token made of printable ASCII appears verbatim (up to ASCII case) in the JSON text of
  // any row holding it, unless the row has non-ASCII text (accents fold to ASCII letters).
  const lit = longestLiteral(spec);
  const prefilter = (doc: string) =>
    lit.length >= 2 && /^[\x20-\x7e]+$/.test(lit)
      ? `(${doc} LIKE ${ctx.params.add(likePattern(lit, false, true))} ESCAPE '\\' OR ${doc} GLOB '*[^ -~]*') AND `
      : '';
  const fts = ctx.fts;
  const match = ftsQuery(spec);
  if (!fts || match === null) return `(${prefilter(d)}${verify(d)})`;
  // Built strictly in text order: SQLite placeholders are positional.
  let sql = `${ctx.alias}.rowid IN (SELECT f.rowid FROM ${fts.table} f`;
  if (spec.glob) sql += ` JOIN ${fts.base} x ON x.rid = f.rowid`;
  sql += ` WHERE ${fts.table} MATCH ${ctx.params.add(match)}`;
  sql += ` AND f.rowid <= ${ctx.params.add(fts.hw)}`;
  if (spec.glob) sql += ` AND ${verify('x.doc')}`;
  sql += ` UNION ALL SELECT y.rid FROM ${fts.base} y WHERE y.rid > ${ctx.params.add(fts.hw)} AND `;
  return `${sql}${prefilter('y.doc')}${verify('y.doc')})`;
}
