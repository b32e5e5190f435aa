import type { Role } from '../store/types.ts';

export const ROLES: readonly Role[] = ['admin', 'analyst', 'read-only', 'ingest', 'sensor', 'bouncer', 'agent'];

/** What each role may do. Permissions are checked per route; one table keeps them reviewable. */
export type Permission =
  | 'events:write'
  | 'events:read'
  | 'keys:manage'
  | 'users:manage'
  | 'decisions:read'
  /** report an attacker seen by an agent or WAF node (POST /api/v1/decisions/report) */
  | 'decisions:report'
  /** rules, decisions, alerts and notification channels */
  | 'detection:manage';

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [
    'events:write',
    'events:read',
    'keys:manage',
    'users:manage',
    'decisions:read',
    'decisions:report',
    'detection:manage',
  ],
  analyst: ['events:read', 'decisions:read'],
  'read-only': ['events:read'],
  ingest: ['events:write'],
  sensor: ['events:write'],
  bouncer: ['decisions:read'],
  /** host agents and WAF nodes: ship events, follow the decision stream, report attackers */
  agent: ['events:write', 'decisions:read', 'decisions:report'],
};

export function can(role: Role, perm: Permission): boolean {
  return GRANTS[role]?.includes(perm) ?? false;
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
