/**
 * What an agent or WAF node reports in its heartbeat (AgentStatus), as one TypeBox schema used
 * both by the route (fastify validates it and drops unknown keys: every object is
 * additionalProperties: false) and by cleanStatus() (the same check without fastify). Every
 * string and list is capped: a compromised host may send anything, and the console renders
 * these values (as text only).
 */
import { KyokaError } from '@kyoka/core';
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const str = (max: number) => T.String({ maxLength: max });
const count = () => T.Number({ minimum: 0 });
const obj = <P extends Record<string, TSchema>>(p: P) => T.Object(p, { additionalProperties: false });

export const Protect = obj({
  port: T.Union([T.Integer({ minimum: 0, maximum: 65535 }), str(32)]),
  protocol: str(8),
  /** honeypot | deception | reflect | firewall */
  mode: str(16),
  sandbox: T.Optional(T.Union([str(255), T.Null()])),
});

export const DecisionCounts = obj({ ban: count(), deceive: count(), reflect: count() });

export const Collector = obj({
  name: str(64),
  type: str(32),
  target: str(512),
  lines: count(),
  events: count(),
  errors: count(),
});

export const Site = obj({
  name: str(255),
  listen: str(255),
  backend: str(512),
  sandbox: str(512),
  action: str(32),
  requests: count(),
  attacks: count(),
  sandboxed: count(),
  banned: count(),
});

export const StreamState = obj({
  connected: T.Boolean(),
  last_seq: T.Union([T.Integer({ minimum: 0 }), T.Null()]),
  lag_ms: T.Optional(count()),
});

export const AgentStatus = obj({
  version: str(64),
  hostname: str(255),
  kind: T.Union([T.Literal('agent'), T.Literal('waf')]),
  backend: T.Optional(T.Union([T.Literal('nftables'), T.Literal('iptables')])),
  protect: T.Optional(T.Array(Protect, { maxItems: 256 })),
  decisions: T.Optional(DecisionCounts),
  rules: T.Optional(count()),
  collectors: T.Optional(T.Array(Collector, { maxItems: 64 })),
  sites: T.Optional(T.Array(Site, { maxItems: 256 })),
  stream: T.Optional(StreamState),
});

export type AgentStatus = Static<typeof AgentStatus>;

/** Drops unknown keys and checks the rest; throws KYOKA_E_BAD_REQUEST naming the first bad key. */
export function cleanStatus(input: unknown): AgentStatus {
  const v = Value.Clean(AgentStatus, structuredClone(input));
  if (Value.Check(AgentStatus, v)) return v;
  const first = Value.Errors(AgentStatus, v).First();
  const where = first?.path ? first.path.slice(1).replaceAll('/', '.') : '(root)';
  throw new KyokaError('KYOKA_E_BAD_REQUEST', `status.${where}: ${first?.message ?? 'invalid'}`, {
    details: { key: `status.${where}` },
  });
}
