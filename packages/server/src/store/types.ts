/** Storage contracts: one EventStore + MetaStore interface, implemented by SQLite and PostgreSQL. */
import type { KyokaEvent } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';

export interface SearchRequest {
  query: QueryNode;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  limit: number;
  cursor?: string | null;
  order?: 'desc' | 'asc';
}
export interface SearchResult {
  total: number;
  events: KyokaEvent[];
  cursor: string | null;
}
export interface TopRequest {
  field: string;
  query: QueryNode;
  from: number;
  to: number;
  n: number;
}
export interface HistogramRequest {
  query: QueryNode;
  from: number;
  to: number;
  intervalMs: number;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs migrations (versioned, idempotent). */
  init(): Promise<void>;
  /** One transaction; idempotent on id (see partition.ts for the assumption); resolves when durable. */
  insert(events: KyokaEvent[]): Promise<{ inserted: number; duplicates: number }>;
  get(id: string): Promise<KyokaEvent | null>;
  /** Newest first by default; keyset cursor (opaque string). */
  search(req: SearchRequest): Promise<SearchResult>;
  top(req: TopRequest): Promise<Array<{ value: string | number; count: number }>>;
  /** Bucket start ts (multiples of intervalMs since the epoch); zero-filled. */
  histogram(req: HistogramRequest): Promise<Array<{ ts: number; count: number }>>;
  /** Retention: drops whole partitions; chunked deletes in the one straddling the cutoff. */
  deleteOlderThan(ts: number): Promise<number>;
  /** Seals quiet partitions (indexes), catches up full text, refreshes planner statistics. */
  maintenance(): Promise<void>;
  stats(): Promise<{ events: number; bytes?: number; partitions: number }>;
  close(): Promise<void>;
}

export type Role = 'admin' | 'analyst' | 'read-only' | 'ingest' | 'sensor' | 'bouncer' | 'agent';

export interface User {
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  hash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
export interface Session {
  id: string;
  user: string;
  csrf: string;
  expiresAt: number;
}

export interface MetaStore {
  createUser(u: { name: string; role: Role; passwordHash: string }): Promise<User>;
  getUser(name: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  setPassword(name: string, passwordHash: string): Promise<void>;
  createApiKey(k: { name: string; role: Role; prefix: string; hash: string }): Promise<ApiKey>;
  /** Only keys that are not revoked; the caller verifies the hash. */
  findApiKeyByPrefix(prefix: string): Promise<ApiKey | null>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(id: string): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;
  createSession(s: { id: string; user: string; csrf: string; expiresAt: number }): Promise<void>;
  /** Null when missing or expired (store clock). */
  getSession(id: string): Promise<Session | null>;
  deleteSession(id: string): Promise<void>;
  purgeSessions(now: number): Promise<number>;
  getSetting<T>(key: string): Promise<T | null>;
  setSetting(key: string, value: unknown): Promise<void>;
}

export interface Store {
  events: EventStore;
  meta: MetaStore;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `sqlite:/path/kyoka.db`, a plain path, or `postgres://…`. */
  url: string;
  /** A partition stays hot (no secondary indexes) until its hour is over and it was quiet this long. Default 60 000. */
  hotQuietMs?: number;
  /** Upper bound of time one maintenance() spends on full-text catch-up. Default 2000 ms. */
  ftsBudgetMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}
