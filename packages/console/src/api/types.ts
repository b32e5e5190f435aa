/** Shapes of the Kyoka REST API (v1) as the console uses them. */

export interface SessionUser {
  name: string;
  role: string;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

/** ECS-shaped nested event. Everything except id/@timestamp is attacker-controlled data. */
export interface KyokaEvent {
  id: string;
  '@timestamp': string;
  event?: { action?: string; original?: string; [k: string]: unknown };
  source?: { ip?: string; [k: string]: unknown };
  user?: { name?: string; [k: string]: unknown };
  url?: { full?: string; [k: string]: unknown };
  user_agent?: { original?: string };
  message?: string;
  [k: string]: unknown;
}

export interface SearchResult {
  total: number;
  events: KyokaEvent[];
  cursor: string | null;
}

export interface TopResult {
  field: string;
  buckets: { value: string; count: number }[];
}

export interface HistogramResult {
  interval: number;
  buckets: { ts: number; count: number }[];
}

export interface LogSource {
  name: string;
  type: string;
  transport: string;
  port: number | null;
  events: number;
  bytes: number;
  parseErrors: number;
  lastSeen: number | null;
}

export const KEY_ROLES = ['ingest', 'sensor', 'bouncer', 'agent', 'analyst', 'admin', 'read-only'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string | number;
  lastUsedAt: string | number | null;
  revokedAt: string | number | null;
}

export interface ApiErrorBody {
  error?: string;
  message?: string;
  position?: number;
}
