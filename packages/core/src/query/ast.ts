/**
 * AST of Kyoka's search language (KQL / Lucene style). The parser (./parse.ts) produces it;
 * each storage backend compiles it to parameterized SQL, so user text never reaches SQL.
 */
export type QueryNode =
  | { type: 'all' }
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode }
  /** field:value. `wildcard` when value holds unescaped * or ? (backslash escapes are removed; in a wildcard term every * and ? is a wildcard). */
  | { type: 'term'; field: string; value: string; phrase: boolean; wildcard: boolean }
  /** field >= value, field < value, ... and field:[a TO b] (split into two range nodes under `and`). */
  | { type: 'range'; field: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string }
  /** field:* — the field is present. */
  | { type: 'exists'; field: string }
  /** Free text (no field): matches anywhere in the event. */
  | { type: 'text'; value: string; phrase: boolean; wildcard: boolean };
