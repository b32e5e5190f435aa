/**
 * Rule plans (trees of atoms, see types.ts) → closures. `planPredicate` is the standalone
 * form (CompiledRule.match: tests, "test this rule", replays); the engine compiles the same
 * tree with shared, per-event memoized atoms (shared.ts). Conditions become nested closures
 * once, at compile time: no AST is interpreted per event.
 */
import type { Atom, EventPredicate, PlanNode } from './types.ts';

export const atomNode = (atom: Atom): PlanNode => ({ op: 'atom', atom });

/** AND / OR of nodes, flattening nested nodes of the same operator and single children. */
export function combine(op: 'and' | 'or', nodes: PlanNode[]): PlanNode {
  const of: PlanNode[] = [];
  for (const n of nodes) {
    if (n.op === op) of.push(...n.of);
    else of.push(n);
  }
  return of.length === 1 ? (of[0] as PlanNode) : { op, of };
}

function all(ps: EventPredicate[]): EventPredicate {
  if (ps.length === 1) return ps[0] as EventPredicate;
  if (ps.length === 2) {
    const [a, b] = ps as [EventPredicate, EventPredicate];
    return (ev) => a(ev) && b(ev);
  }
  if (ps.length === 3) {
    const [a, b, c] = ps as [EventPredicate, EventPredicate, EventPredicate];
    return (ev) => a(ev) && b(ev) && c(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if (!(ps[i] as EventPredicate)(ev)) return false;
    return true;
  };
}

function any(ps: EventPredicate[]): EventPredicate {
  if (ps.length === 1) return ps[0] as EventPredicate;
  if (ps.length === 2) {
    const [a, b] = ps as [EventPredicate, EventPredicate];
    return (ev) => a(ev) || b(ev);
  }
  if (ps.length === 3) {
    const [a, b, c] = ps as [EventPredicate, EventPredicate, EventPredicate];
    return (ev) => a(ev) || b(ev) || c(ev);
  }
  return (ev) => {
    for (let i = 0; i < ps.length; i++) if ((ps[i] as EventPredicate)(ev)) return true;
    return false;
  };
}

/**
 * Compiles a plan with `leaf` giving each atom's predicate. `order` (optional) ranks children
 * of AND / OR so cheap tests run first: pure predicates, so the order never changes a result.
 */
export function compilePlan(
  n: PlanNode,
  leaf: (a: Atom) => EventPredicate,
  order?: (n: PlanNode) => number,
): EventPredicate {
  switch (n.op) {
    case 'atom':
      return leaf(n.atom);
    case 'not': {
      const inner = compilePlan(n.of, leaf, order);
      return (ev) => !inner(ev);
    }
    default: {
      const kids = order ? n.of.slice().sort((a, b) => order(a) - order(b)) : n.of;
      const ps = kids.map((k) => compilePlan(k, leaf, order));
      return n.op === 'and' ? all(ps) : any(ps);
    }
  }
}

/** The standalone predicate of a plan (no shared state). */
export function planPredicate(n: PlanNode): EventPredicate {
  return compilePlan(n, (a) => a.pred);
}

/** Every atom of a plan (with repeats). */
export function planAtoms(n: PlanNode, out: Atom[] = []): Atom[] {
  if (n.op === 'atom') out.push(n.atom);
  else if (n.op === 'not') planAtoms(n.of, out);
  else for (const k of n.of) planAtoms(k, out);
  return out;
}
