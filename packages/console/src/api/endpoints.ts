/** Typed calls for each API route the console uses. */
import { api, request } from './client.ts';
import type {
  ApiKey,
  HistogramResult,
  KeyRole,
  KyokaEvent,
  LogSource,
  SearchResult,
  Session,
  TopResult,
} from './types.ts';

const V1 = '/api/v1';

export type RangeParams = {
  q: string;
  from: string;
  to: string;
};

export const authApi = {
  login: (username: string, password: string) =>
    request<Session>('POST', `${V1}/auth/login`, { body: { username, password }, quiet401: true }),
  me: () => request<Session>('GET', `${V1}/auth/me`, { quiet401: true }),
  logout: () => api.post<void>(`${V1}/auth/logout`),
  /** 204 on success; 403 KYOKA_E_FORBIDDEN when `current` is wrong (the CSRF header comes from the client). */
  changePassword: (current: string, next: string) => api.post<void>(`${V1}/auth/password`, { current, next }),
};

/** The server's minimum length for a new password (schema of POST /auth/password). */
export const MIN_PASSWORD_LENGTH = 12;

export const searchApi = {
  search: (p: RangeParams & { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    api.get<SearchResult>(`${V1}/search`, { ...p, cursor: p.cursor ?? undefined }, signal),
  top: (p: RangeParams & { field: string; n?: number }, signal?: AbortSignal) =>
    api.get<TopResult>(`${V1}/search/top`, p, signal),
  histogram: (p: RangeParams, signal?: AbortSignal) =>
    api.get<HistogramResult>(`${V1}/search/histogram`, { ...p, interval: 'auto' }, signal),
  event: (id: string) => api.get<KyokaEvent>(`${V1}/events/${encodeURIComponent(id)}`),
};

export const sourcesApi = {
  list: (signal?: AbortSignal) => api.get<{ sources: LogSource[] }>(`${V1}/sources`, undefined, signal),
};

export const keysApi = {
  list: () => api.get<{ keys: ApiKey[] }>(`${V1}/keys`),
  create: (name: string, role: KeyRole) => api.post<{ key: ApiKey; secret: string }>(`${V1}/keys`, { name, role }),
  revoke: (id: string) => api.del<void>(`${V1}/keys/${encodeURIComponent(id)}`),
};
