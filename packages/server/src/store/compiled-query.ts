/**
 * Compile once, run many times. Kysely builds an immutable query tree and compiles it to SQL on
 * every call (~30 % of the server's CPU per decision + alert on the detection path); the hot
 * paths describe a query shape once with named placeholders and bind new values per run. The
 * SQL is compiled by the executor's own dialect on first use, so one definition serves SQLite
 * and PostgreSQL alike.
 *
 *   const liveOf = compiled<DB, { value: string; type: string }>((db, p) =>
 *     db.selectFrom('decisions').selectAll().where('value', '=', p.value).where('type', '=', p.type));
 *   const rows = (await liveOf.run(trx, { value: v, type: t })).rows;
 *
 * Spell out inserted columns (`values({ a: p.a })`): the placeholder object has no keys of its own.
 * A placeholder must be used as a bound value (never as a column name or in a SQL fragment that
 * is not a parameter); values written in the builder itself (`limit(1)`, `'closed'`) stay
 * constants. A placeholder that does not end up as a parameter is an error at first use.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

const MARK = '\u0000kyoka-param:';

export interface CompiledShape<R, A> {
  // biome-ignore lint/suspicious/noExplicitAny: any database whose dialect compiles this shape
  run(db: Kysely<any>, args: A): Promise<QueryResult<R>>;
}

export function compiled<DB, A extends Record<string, unknown>, R = unknown>(
  build: (db: Kysely<DB>, p: A) => Compilable<R>,
): CompiledShape<R, A> {
  // per dialect adapter: a server uses one, but tests open both backends in one process
  const cache = new WeakMap<object, { query: CompiledQuery<R>; names: Array<string | null> }>();
  const prepare = (db: Kysely<DB>) => {
    const key = db.getExecutor().adapter as object;
    let c = cache.get(key);
    if (!c) {
      const used = new Set<string>();
      const p = new Proxy({} as A, {
        get: (_t, name) => {
          used.add(String(name));
          return `${MARK}${String(name)}`;
        },
      });
      const query = build(db, p).compile();
      const names = query.parameters.map((v) =>
        typeof v === 'string' && v.startsWith(MARK) ? v.slice(MARK.length) : null,
      );
      for (const n of used)
        if (!names.includes(n)) throw new Error(`compiled query: placeholder ${n} is not a bound parameter`);
      c = { query, names };
      cache.set(key, c);
    }
    return c;
  };
  return {
    run(db, args) {
      const d = db as Kysely<DB>;
      const { query, names } = prepare(d);
      const parameters = query.parameters.map((v, i) => {
        const n = names[i];
        return n === null || n === undefined ? v : args[n];
      });
      return d.executeQuery<R>({ ...query, parameters });
    },
  };
}
