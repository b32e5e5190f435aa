import { DECISION_TYPES, type DecisionType } from '@kyoka/link';
import type { Kysely } from 'kysely';
import { openFeatureDb } from '../store/feature-db.ts';

/** The decision types, shared with the agents and the WAF that enforce them. */
export { DECISION_TYPES, type DecisionType };
/**
 * kyoka: a detection rule; manual: API/console; cscli: the command line; agent:<name> /
 * waf:<name>: reported by an enrolled host agent or WAF node (POST /api/v1/decisions/report).
 */
export type Origin = 'kyoka' | 'manual' | 'cscli' | `agent:${string}` | `waf:${string}`;
export const ORIGINS: readonly Origin[] = ['kyoka', 'manual', 'cscli'];

export interface DecisionRow {
  id: number;
  uuid: string;
  value: string;
  scope: string;
  type: string;
  origin: string;
  reason: string;
  scenario: string;
  offence: number;
  created_at: number;
  updated_at: number;
  expires_at: number;
  deleted_at: number | null;
}

export interface DecisionDB {
  decisions: Omit<DecisionRow, 'id'> & { id: import('kysely').Generated<number> };
  decision_changes: { seq: import('kysely').Generated<number>; decision_id: number; kind: string; at: number };
  bouncer_positions: { key_id: string; seq: number; pulled_at: number };
}

export type DecisionKysely = Kysely<DecisionDB>;

/** Opens a connection for the decision tables. `url` is what run.ts's storeUrl() returns. */
export function openDecisionDb(url: string): { db: Kysely<DecisionDB>; dialect: 'sqlite' | 'postgres' } {
  return openFeatureDb<DecisionDB>(url, 'decisions', 3);
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

/** Row numbers may come back as bigint-ish strings from some drivers: normalise. */
export function toRow(r: Record<string, unknown>): DecisionRow {
  return {
    id: Number(r.id),
    uuid: String(r.uuid),
    value: String(r.value),
    scope: String(r.scope),
    type: String(r.type),
    origin: String(r.origin),
    reason: String(r.reason),
    scenario: String(r.scenario),
    offence: Number(r.offence),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
    expires_at: Number(r.expires_at),
    deleted_at: r.deleted_at === null || r.deleted_at === undefined ? null : Number(r.deleted_at),
  };
}
