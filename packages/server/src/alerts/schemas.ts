/** TypeBox schemas (validation + OpenAPI in /api/docs) of the alerts and notification API. */
import { Type as T } from '@sinclair/typebox';
import { SEVERITIES, STATUSES } from './types.ts';

const lit = <V extends string>(vs: readonly V[]) => T.Union(vs.map((v) => T.Literal(v)));
const ErrorBody = T.Object({ error: T.String(), message: T.String() }, { additionalProperties: true });
export const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  502: ErrorBody,
} as const;

export const Severity = lit(SEVERITIES);
export const Status = lit(STATUSES);

export const AlertView = T.Object({
  id: T.String(),
  rule_id: T.String(),
  rule_title: T.String(),
  severity: Severity,
  tags: T.Array(T.String()),
  group_key: T.String(),
  group: T.Record(T.String(), T.Union([T.String(), T.Number()])),
  status: Status,
  count: T.Integer(),
  first_seen: T.String({ format: 'date-time' }),
  last_seen: T.String({ format: 'date-time' }),
  created_at: T.String({ format: 'date-time' }),
  updated_at: T.String({ format: 'date-time' }),
  events: T.Array(T.String(), { description: 'sample of matching event ids (capped)' }),
  decision_id: T.Union([T.String(), T.Null()]),
});

export const ListQuery = T.Object({
  status: T.Optional(Status),
  severity: T.Optional(Severity),
  rule: T.Optional(T.String({ maxLength: 200 })),
  q: T.Optional(T.String({ maxLength: 200, description: 'substring of the group values, e.g. an IP' })),
  from: T.Optional(T.String({ description: 'over last_seen: ISO-8601, epoch ms or now-24h' })),
  to: T.Optional(T.String()),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
});

export const ListReply = T.Object({ alerts: T.Array(AlertView), total: T.Integer() });

export const DetailReply = T.Object({
  alert: AlertView,
  events: T.Array(T.Object({}, { additionalProperties: true }), { description: 'the sample events still stored' }),
});

export const IdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 64 }) });
export const PatchBody = T.Object({ status: Status }, { additionalProperties: false });

const Filter = T.Object(
  {
    rules: T.Optional(T.Array(T.String({ maxLength: 200 }), { maxItems: 200, description: 'rule ids, * wildcards' })),
    min_severity: T.Optional(Severity),
    tags: T.Optional(T.Array(T.String({ maxLength: 64 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const EmailConfig = T.Object({
  host: T.String(),
  port: T.Optional(T.Integer()),
  secure: T.Optional(T.Boolean()),
  auth: T.Optional(T.Union([T.Object({ user: T.String(), pass: T.Optional(T.String()) }), T.Null()])),
  from: T.String(),
  to: T.Union([T.Array(T.String()), T.String()]),
  tls_insecure: T.Optional(T.Boolean()),
});
const WebhookConfig = T.Object({
  url: T.String({ maxLength: 2000 }),
  method: T.Optional(T.Union([T.Literal('POST'), T.Literal('PUT')])),
  headers: T.Optional(T.Record(T.String(), T.String())),
});

export const ChannelBody = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 100 }),
    type: T.Union([T.Literal('email'), T.Literal('webhook')]),
    enabled: T.Optional(T.Boolean()),
    config: T.Union([EmailConfig, WebhookConfig], {
      description: 'email: SMTP settings; webhook: url, method, headers. Secrets read back as ********',
    }),
    filter: T.Optional(Filter),
    rate_per_min: T.Optional(T.Integer({ minimum: 1, maximum: 10_000, default: 20 })),
    renotify: T.Optional(T.Boolean({ description: 'notify again when the count crosses 10, 100, 1000' })),
  },
  { additionalProperties: false },
);

export const ChannelView = T.Object({
  id: T.String(),
  name: T.String(),
  type: T.String(),
  enabled: T.Boolean(),
  config: T.Object({}, { additionalProperties: true }),
  filter: T.Object({}, { additionalProperties: true }),
  rate_per_min: T.Integer(),
  renotify: T.Boolean(),
  created_at: T.String({ format: 'date-time' }),
  updated_at: T.String({ format: 'date-time' }),
});
