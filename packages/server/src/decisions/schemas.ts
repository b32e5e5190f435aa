/** TypeBox schemas (validation + OpenAPI) of the decisions REST API. */
import { Type as T } from '@sinclair/typebox';
import { DECISION_TYPES, ORIGINS } from './db.ts';

const lit = (xs: readonly string[]) => T.Union(xs.map((x) => T.Literal(x)));

export const decisionView = T.Object({
  id: T.Integer(),
  uuid: T.String(),
  value: T.String(),
  scope: lit(['Ip', 'Range']),
  type: T.String(),
  origin: T.String(),
  reason: T.String(),
  scenario: T.String(),
  offence: T.Integer({ description: 'n-th decision for this value within the escalation window' }),
  created_at: T.String({ format: 'date-time' }),
  expires_at: T.String({ format: 'date-time' }),
  deleted_at: T.Union([T.String({ format: 'date-time' }), T.Null()]),
  remaining_ms: T.Integer(),
});

export const createBody = T.Object(
  {
    value: T.String({ minLength: 1, maxLength: 64, description: 'IPv4/IPv6 address or CIDR' }),
    type: lit(DECISION_TYPES),
    duration: T.String({ minLength: 2, maxLength: 32, description: 'e.g. 4h, 30m, 1h30m, 7d' }),
    reason: T.Optional(T.String({ maxLength: 500 })),
    scenario: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const listQuery = T.Object(
  {
    value: T.Optional(T.String({ maxLength: 64 })),
    ip: T.Optional(T.String({ maxLength: 64, description: 'live decisions covering this address' })),
    type: T.Optional(lit(DECISION_TYPES)),
    origin: T.Optional(lit(ORIGINS)),
    all: T.Optional(T.Boolean({ description: 'include expired and deleted decisions (history)' })),
    limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false },
);

export const deleteQuery = T.Object(
  { value: T.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const idParams = T.Object({ id: T.Integer({ minimum: 1 }) });

const error = T.Object({ error: T.String(), message: T.String() }, { additionalProperties: true });
export const errors = { 400: error, 401: error, 403: error, 404: error };

export const listReply = T.Object({ decisions: T.Array(decisionView), total: T.Integer() });
export const removedReply = T.Object({ removed: T.Array(decisionView) });
