/**
 * Shapes shared by everything that talks to a Kyoka server from another machine (agent, WAF):
 * decisions as the push stream sends them, and the batches a decision stream hands to its
 * consumer (an enforcement backend, the WAF's lookup table).
 */

export type DecisionType = 'ban' | 'deceive' | 'reflect';

/** A decision as the server's REST API and push stream send it (server/src/decisions/view.ts). */
export interface DecisionView {
  id: number;
  uuid: string;
  /** IPv4/IPv6 address or CIDR. */
  value: string;
  scope: string;
  /** ban | deceive | reflect; anything else is ignored by consumers and counted. */
  type: string;
  origin: string;
  reason: string;
  scenario: string;
  offence: number;
  created_at: string;
  /** ISO-8601 UTC. */
  expires_at: string;
  deleted_at: string | null;
  remaining_ms: number;
}

/**
 * One delivery from the decision stream. When `reset` is true, `added` is the complete live set
 * and the consumer replaces everything it holds; otherwise apply `removed` then `added`.
 * Batches coalesce changes that arrive within a few milliseconds of each other.
 */
export interface DecisionBatch {
  reset: boolean;
  added: DecisionView[];
  removed: DecisionView[];
}
