/**
 * The JSON shapes decisions leave the server in: Kyoka's own (REST API, push stream) and
 * CrowdSec's (bouncer API: remaining duration in Go's format, scope Ip|Range).
 */
import { goDuration } from '@kyoka/core';
import type { DecisionView } from '@kyoka/link';
import type { DecisionRow } from './db.ts';

/** The shape agents and the WAF consume (@kyoka/link), defined once there. */
export type { DecisionView };

const iso = (ms: number) => new Date(ms).toISOString();

export function decisionView(r: DecisionRow, now = Date.now()): DecisionView {
  return {
    id: r.id,
    uuid: r.uuid,
    value: r.value,
    scope: r.scope,
    type: r.type,
    origin: r.origin,
    reason: r.reason,
    scenario: r.scenario,
    offence: r.offence,
    created_at: iso(r.created_at),
    expires_at: iso(r.expires_at),
    deleted_at: r.deleted_at === null ? null : iso(r.deleted_at),
    remaining_ms: r.deleted_at === null ? Math.max(0, r.expires_at - now) : 0,
  };
}

export interface CrowdsecDecision {
  id: number;
  uuid: string;
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  until: string;
  scenario: string;
  simulated: boolean;
}

/** CrowdSec's decision object; `duration` is what remains (negative once expired, as CrowdSec sends). */
export function crowdsecView(r: DecisionRow, now = Date.now()): CrowdsecDecision {
  const end = r.deleted_at !== null ? Math.min(r.deleted_at, r.expires_at) : r.expires_at;
  return {
    id: r.id,
    uuid: r.uuid,
    origin: r.origin,
    type: r.type,
    scope: r.scope,
    value: r.value,
    duration: goDuration(end - now),
    until: iso(end),
    scenario: r.scenario || `kyoka/${r.origin}`,
    simulated: false,
  };
}
