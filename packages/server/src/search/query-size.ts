/**
 * Size limits of a compiled query: how many predicates a query may have, and how they are
 * joined so that SQLite's expression-depth limit is never the one that answers.
 */
import type { QueryNode } from '@kyoka/core/query/ast';
import { badQuery } from './sql-util.ts';

/**
 * Most predicates (field clauses and free-text words) one query may compile to. The parser caps
 * a query at 4096 characters, which still allows ~2000 one-letter words. Every partition
 * repeats the whole predicate, and SQLite's time to prepare (and, for free text, run) a
 * statement grows with the square of its predicates (measured: 999 OR'ed clauses over 29 hour
 * partitions took 120 s to prepare, blocking the event loop; 128 free-text words over 30 sealed
 * partitions 10 s). Past this a query is refused as KYOKA_E_BAD_QUERY, where the database's
 * own limits (expression depth 1000, bound parameters) used to answer as a storage failure.
 */
export const MAX_PREDICATES = 256;

/**
 * Predicates in one statement: partitions are UNION ALL'd only up to this many predicates in
 * all (store/read.ts), which keeps SQLite's prepare time linear in the number of partitions.
 */
export const MAX_STATEMENT_PREDICATES = 512;

/** Number of predicates node compiles to; KYOKA_E_BAD_QUERY past MAX_PREDICATES. */
export function checkQuerySize(node: QueryNode): number {
  let n = 0;
  const walk = (x: QueryNode): void => {
    switch (x.type) {
      case 'and':
      case 'or':
        for (const c of x.children) walk(c);
        break;
      case 'not':
        walk(x.child);
        break;
      case 'text':
        n += x.phrase ? 1 : x.value.split(/\s+/).filter((w) => w !== '').length;
        break;
      case 'all':
        break;
      default:
        n++;
    }
  };
  walk(node);
  if (n > MAX_PREDICATES) {
    throw badQuery(
      `query has too many terms (${n} field clauses and free-text words; at most ${MAX_PREDICATES}): narrow it down or split it`,
    );
  }
  return n;
}

/**
 * Joins predicates with AND / OR as a balanced tree: SQLite parses `a AND b AND c …` as a
 * left-deep tree whose depth is the number of terms and refuses depth 1000 ("Expression tree
 * is too large"); nested halves keep the depth logarithmic. Text order (hence the order of
 * positional parameters) is unchanged.
 */
export function joinBalanced(parts: string[], op: string): string {
  if (parts.length <= 8) return `(${parts.join(op)})`;
  const mid = parts.length >> 1;
  return `(${joinBalanced(parts.slice(0, mid), op)}${op}${joinBalanced(parts.slice(mid), op)})`;
}
