/**
 * Storage of agent and WAF node management: the tables of migration v8 (migration.ts) on the
 * shared feature connection (store/feature-db.ts), like sensors/db.ts. Tiny tables, off the
 * ingest path.
 */
import type { Kysely } from 'kysely';
import { openFeatureDb } from '../store/feature-db.ts';

export type AgentKind = 'agent' | 'waf';
export const AGENT_KINDS: readonly AgentKind[] = ['agent', 'waf'];

export interface AgentDB {
  agent_tokens: {
    hash: string;
    kind: string;
    name: string | null;
    created_by: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    agent_id: string | null;
  };
  agents: {
    id: string;
    kind: string;
    name: string;
    hostname: string;
    version: string;
    key_id: string;
    last_seen: number;
    enrolled_at: number;
    report: string;
  };
}

export type AgentKysely = Kysely<AgentDB>;
export type AgentRow = AgentDB['agents'];

/** Opens a connection for the agent tables. `url` is what run.ts's storeUrl() returns. */
export function openAgentDb(url: string): AgentKysely {
  return openFeatureDb<AgentDB>(url, 'agent management').db;
}
