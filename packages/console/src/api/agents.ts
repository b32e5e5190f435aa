/** Agent and WAF node management API (/api/v1/agents): shapes and typed calls. */
import { api } from './client.ts';

export type AgentKind = 'agent' | 'waf';

export interface ProtectedPort {
  port: number | string;
  protocol: string;
  mode: string;
  sandbox?: string | null;
}

export interface Collector {
  name: string;
  type: string;
  target: string;
  lines: number;
  events: number;
  errors: number;
}

export interface WafSite {
  name: string;
  listen: string;
  backend: string;
  sandbox: string;
  action: string;
  requests: number;
  attacks: number;
  sandboxed: number;
  banned: number;
}

/** Everything except id, kind, status and timestamps is reported by the host: render as text only. */
export interface Agent {
  id: string;
  kind: AgentKind;
  name: string;
  hostname: string;
  version: string;
  status: 'online' | 'offline';
  last_seen: string;
  enrolled_at: string;
  backend: string | null;
  protect: ProtectedPort[];
  decisions: { ban: number; deceive: number; reflect: number };
  rules: number;
  collectors: Collector[];
  sites: WafSite[];
  stream: { connected: boolean; last_seq: number | null; lag_ms?: number } | null;
}

const V1 = '/api/v1/agents';

export const agentsApi = {
  list: (signal?: AbortSignal) => api.get<{ agents: Agent[]; heartbeat_seconds: number }>(V1, undefined, signal),
  remove: (id: string) => api.del<void>(`${V1}/${encodeURIComponent(id)}`),
  createToken: (kind: AgentKind, name: string, ttlSeconds: number) =>
    api.post<{ token: string; expires_at: string; kind: AgentKind }>(`${V1}/tokens`, {
      kind,
      ...(name ? { name } : {}),
      ttl_seconds: ttlSeconds,
    }),
};
