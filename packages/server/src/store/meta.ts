/**
 * MetaStore over Kysely: one implementation for both backends (small tables, not a hot path).
 */
import { KyokaError, newId, toKyokaError } from '@kyoka/core';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKey, MetaStore, Role, Session, User } from './types.ts';

export interface MetaDB {
  users: { name: string; role: string; password_hash: string; created_at: number };
  api_keys: {
    id: string;
    name: string;
    role: string;
    prefix: string;
    hash: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  sessions: { id: string; user_name: string; csrf: string; expires_at: number };
  settings: { key: string; value: string };
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toUser(r: Selectable<MetaDB['users']>): User {
  return { name: r.name, role: r.role as Role, passwordHash: r.password_hash, createdAt: num(r.created_at) };
}

function toKey(r: Selectable<MetaDB['api_keys']>): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    prefix: r.prefix,
    hash: r.hash,
    createdAt: num(r.created_at),
    lastUsedAt: numOrNull(r.last_used_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

/** Wraps backend failures as KYOKA_E_STORE, unique violations as KYOKA_E_CONFLICT. */
async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KyokaError) throw err;
    if (isUniqueViolation(err)) throw new KyokaError('KYOKA_E_CONFLICT', `${what}: already exists`, { cause: err });
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

export function createMetaStore(db: Kysely<MetaDB>, now: () => number): MetaStore {
  return {
    createUser: (u) =>
      guard('user', async () => {
        const row = { name: u.name, role: u.role, password_hash: u.passwordHash, created_at: now() };
        await db.insertInto('users').values(row).execute();
        return toUser(row);
      }),
    getUser: (name) =>
      guard('user', async () => {
        const r = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
        return r ? toUser(r) : null;
      }),
    listUsers: () =>
      guard('user', async () => (await db.selectFrom('users').selectAll().orderBy('name').execute()).map(toUser)),
    countUsers: () =>
      guard('user', async () => {
        const r = await db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        return num(r.n);
      }),
    setPassword: (name, passwordHash) =>
      guard('user', async () => {
        const r = await db.updateTable('users').set({ password_hash: passwordHash }).where('name', '=', name).execute();
        if (Number(r[0]?.numUpdatedRows ?? 0) === 0) throw new KyokaError('KYOKA_E_NOT_FOUND', `no user ${name}`);
      }),

    createApiKey: (k) =>
      guard('api key', async () => {
        const row = { id: newId(), name: k.name, role: k.role, prefix: k.prefix, hash: k.hash, created_at: now() };
        await db.insertInto('api_keys').values(row).execute();
        return toKey({ ...row, last_used_at: null, revoked_at: null });
      }),
    findApiKeyByPrefix: (prefix) =>
      guard('api key', async () => {
        const r = await db
          .selectFrom('api_keys')
          .selectAll()
          .where('prefix', '=', prefix)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return r ? toKey(r) : null;
      }),
    listApiKeys: () =>
      guard('api key', async () =>
        (await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(toKey),
      ),
    revokeApiKey: (id) =>
      guard('api key', async () => {
        const r = await db
          .updateTable('api_keys')
          .set({ revoked_at: now() })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return Number(r[0]?.numUpdatedRows ?? 0) > 0;
      }),
    touchApiKey: (id, at) =>
      guard('api key', async () => {
        await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
      }),

    createSession: (s) =>
      guard('session', async () => {
        await db
          .insertInto('sessions')
          .values({ id: s.id, user_name: s.user, csrf: s.csrf, expires_at: s.expiresAt })
          .execute();
      }),
    getSession: (id) =>
      guard('session', async () => {
        const r = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
        if (!r || num(r.expires_at) <= now()) return null;
        return { id: r.id, user: r.user_name, csrf: r.csrf, expiresAt: num(r.expires_at) } satisfies Session;
      }),
    deleteSession: (id) =>
      guard('session', async () => {
        await db.deleteFrom('sessions').where('id', '=', id).execute();
      }),
    purgeSessions: (at) =>
      guard('session', async () => {
        const r = await db.deleteFrom('sessions').where('expires_at', '<=', at).executeTakeFirst();
        return Number(r.numDeletedRows);
      }),

    getSetting: <T>(key: string) =>
      guard('setting', async () => {
        const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
        return r ? (JSON.parse(r.value) as T) : null;
      }),
    setSetting: (key, value) =>
      guard('setting', async () => {
        const v = JSON.stringify(value ?? null);
        await db
          .insertInto('settings')
          .values({ key, value: v })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: v }))
          .execute();
      }),
  };
}
