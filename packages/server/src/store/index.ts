/**
 * Storage: openStore() picks the backend from the URL — `sqlite:/path/kyoka.db` or a plain
 * path for the embedded SQLite store, `postgres://…` / `postgresql://…` for PostgreSQL — and
 * returns it migrated and ready.
 */
import { KyokaError } from '@kyoka/core';
import { openPgStore } from './pg.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store, StoreOptions } from './types.ts';

export type * from './types.ts';

export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.url;
  const common = { hotQuietMs: opts.hotQuietMs ?? 60_000, now: opts.now ?? Date.now };
  let store: Store;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    store = await openPgStore({ url, ...common });
  } else {
    const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : url;
    if (!path) throw new KyokaError('KYOKA_E_BAD_CONFIG', 'store url: empty SQLite path');
    store = openSqliteStore({ path, ftsBudgetMs: opts.ftsBudgetMs ?? 2000, ...common });
  }
  try {
    await store.events.init();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
