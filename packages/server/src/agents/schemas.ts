/** TypeBox schemas (validation + OpenAPI) of the agent / WAF node management API. */
import { Type as T } from '@sinclair/typebox';
import { AgentStatus, Collector, DecisionCounts, Protect, Site, StreamState } from './status.ts';

const kind = T.Union([T.Literal('agent'), T.Literal('waf')]);

export const tokenBody = T.Object(
  {
    name: T.Optional(T.String({ maxLength: 128 })),
    kind,
    ttl_seconds: T.Optional(T.Integer({ minimum: 1, maximum: 2_592_000 })),
  },
  { additionalProperties: false },
);
export const tokenReply = T.Object({
  token: T.String(),
  expires_at: T.String({ format: 'date-time' }),
  kind,
});

export const enrollBody = T.Object({
  token: T.String({ minLength: 1, maxLength: 200 }),
  name: T.Optional(T.String({ maxLength: 128 })),
  hostname: T.String({ maxLength: 255 }),
  version: T.String({ maxLength: 64 }),
  kind,
});
export const enrollReply = T.Object({
  agent_id: T.String(),
  api_key: T.String({ description: 'role `agent`; shown only in this answer' }),
  heartbeat_seconds: T.Integer(),
});

export const heartbeatBody = T.Object({ status: AgentStatus });
export const heartbeatReply = T.Object({
  ok: T.Literal(true),
  server_time: T.String({ format: 'date-time' }),
  heartbeat_seconds: T.Integer(),
});

export const agentView = T.Object({
  id: T.String(),
  kind,
  name: T.String(),
  hostname: T.String(),
  version: T.String(),
  status: T.Union([T.Literal('online'), T.Literal('offline')]),
  last_seen: T.String({ format: 'date-time' }),
  enrolled_at: T.String({ format: 'date-time' }),
  backend: T.Union([T.String(), T.Null()]),
  protect: T.Array(Protect),
  decisions: DecisionCounts,
  rules: T.Number(),
  collectors: T.Array(Collector),
  sites: T.Array(Site),
  stream: T.Union([StreamState, T.Null()]),
});
export const listReply = T.Object({ agents: T.Array(agentView), heartbeat_seconds: T.Integer() });
export const idParams = T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) });

export const reportBody = T.Object(
  {
    value: T.String({ minLength: 1, maxLength: 64, description: 'IPv4/IPv6 address or CIDR' }),
    type: T.Union([T.Literal('deceive'), T.Literal('ban')]),
    duration: T.Optional(T.String({ minLength: 2, maxLength: 32, description: 'e.g. 4h, 30m (default 4h)' })),
    reason: T.Optional(T.String({ maxLength: 500 })),
    scenario: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const skippedReply = T.Object({ skipped: T.Literal('whitelisted') });

const error = T.Object({ error: T.String(), message: T.String() }, { additionalProperties: true });
export const errors = { 400: error, 401: error, 403: error, 404: error, 429: error };
