/**
 * Detection APIs used by the alerts, rules and decisions pages: shapes and typed calls.
 * Rules and decisions come from other parts of the server; when one answers 404 (not
 * deployed) the pages show an empty state instead of an error (`orEmpty`).
 */
import { ApiError, api, request } from './client.ts';
import type { KyokaEvent } from './types.ts';

const V1 = '/api/v1';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'new' | 'acknowledged' | 'closed';

/** group values and rule text can be attacker-influenced: render as text only. */
export interface Alert {
  id: string;
  rule_id: string;
  rule_title: string;
  severity: Severity;
  tags: string[];
  group_key: string;
  group: Record<string, string | number>;
  status: AlertStatus;
  count: number;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
  events: string[];
  decision_id: string | null;
}

export interface AlertFilter {
  status?: string;
  severity?: string;
  q?: string;
  rule?: string;
  from?: string;
  limit?: number;
  offset?: number;
}

export interface Rule {
  id: string;
  title: string;
  severity: string;
  enabled: boolean;
  mode: string;
  source: 'file' | 'db';
  hits: number;
  error?: string;
  yaml?: string;
}

/** "Test against the last 24 h": matched events (capped by the server), all matches, events scanned. */
export interface RuleTestResult {
  matches: KyokaEvent[];
  total: number;
  scanned?: number;
  truncated?: boolean;
}

export interface RuleError {
  line: number;
  message: string;
}

export interface Decision {
  id: number | string;
  value: string;
  type: string;
  origin: string;
  reason: string;
  scenario: string;
  created_at: string;
  expires_at: string;
}

/** A 404 means the API is not there (yet): resolve to `empty` instead of failing. */
export async function orEmpty<T>(p: Promise<T>, empty: T): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return empty;
    throw err;
  }
}

export const alertsApi = {
  list: (f: AlertFilter, signal?: AbortSignal) =>
    api.get<{ alerts: Alert[]; total: number }>(`${V1}/alerts`, { ...f }, signal),
  get: (id: string, signal?: AbortSignal) =>
    api.get<{ alert: Alert; events: KyokaEvent[] }>(`${V1}/alerts/${encodeURIComponent(id)}`, undefined, signal),
  setStatus: (id: string, status: AlertStatus) =>
    request<Alert>('PATCH', `${V1}/alerts/${encodeURIComponent(id)}`, { body: { status } }),
};

export const rulesApi = {
  list: (signal?: AbortSignal) =>
    orEmpty(
      api
        .get<Rule[] | { rules: Rule[] }>(`${V1}/rules`, undefined, signal)
        .then((r) => (Array.isArray(r) ? r : r.rules)),
      [],
    ),
  get: (id: string) => api.get<Rule & { yaml?: string }>(`${V1}/rules/${encodeURIComponent(id)}`),
  validate: (yaml: string) => api.post<{ ok: boolean; errors: RuleError[] }>(`${V1}/rules/validate`, { yaml }),
  create: (yaml: string) => api.post<Rule>(`${V1}/rules`, { yaml }),
  update: (id: string, body: { yaml?: string; enabled?: boolean; mode?: string }) =>
    request<Rule>('PUT', `${V1}/rules/${encodeURIComponent(id)}`, { body }),
  test: (yaml: string) => api.post<RuleTestResult>(`${V1}/rules/test`, { yaml }),
  /** Deletes a rule stored in the database (a built-in rule it overrode comes back). */
  remove: (id: string) => api.del<unknown>(`${V1}/rules/${encodeURIComponent(id)}`),
};

export const decisionsApi = {
  list: (signal?: AbortSignal) =>
    orEmpty(
      api
        .get<Decision[] | { decisions: Decision[] }>(`${V1}/decisions`, undefined, signal)
        .then((r) => (Array.isArray(r) ? r : (r.decisions ?? []))),
      [],
    ),
  create: (d: { value: string; type: string; duration: string; reason?: string }) =>
    api.post<Decision>(`${V1}/decisions`, d),
  remove: (id: number | string) => api.del<unknown>(`${V1}/decisions/${encodeURIComponent(String(id))}`),
};
