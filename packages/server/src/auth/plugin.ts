/**
 * Resolves who is calling: an API key (Authorization: Bearer kyk_…) or a console session
 * cookie. Session requests that change state must carry the session's CSRF token in
 * X-Kyoka-CSRF (a custom header cannot be sent cross-site without CORS, which we never allow);
 * the cookie is also SameSite=Strict.
 */
import { KyokaError } from '@kyoka/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MetaStore, Role } from '../store/types.ts';
import type { ApiKeyVerifier } from './api-keys.ts';
import { can, type Permission } from './roles.ts';

export const SESSION_COOKIE = 'kyoka_session';

export interface Principal {
  kind: 'user' | 'key';
  name: string;
  role: Role;
  keyId?: string;
  sessionId?: string;
  csrf?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : undefined;
}

export async function resolvePrincipal(
  req: FastifyRequest,
  meta: MetaStore,
  keys: ApiKeyVerifier,
): Promise<Principal | null> {
  const token = bearer(req);
  if (token !== undefined) {
    const k = await keys.verify(token);
    return k ? { kind: 'key', name: k.name, role: k.role, keyId: k.id } : null;
  }
  const sid = req.cookies?.[SESSION_COOKIE];
  if (!sid) return null;
  const s = await meta.getSession(sid);
  if (!s || s.expiresAt < Date.now()) return null;
  const u = await meta.getUser(s.user);
  if (!u) return null;
  return { kind: 'user', name: u.name, role: u.role, sessionId: s.id, csrf: s.csrf };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The 401 for a request without a principal, saying which credential failed: a revoked key, an
 * expired session and a missing credential need different fixes. `need` names what is accepted.
 */
export function unauthenticated(req: FastifyRequest, need: string): KyokaError {
  const why =
    bearer(req) !== undefined
      ? 'unknown or revoked API key'
      : req.cookies?.[SESSION_COOKIE]
        ? 'session expired or logged out; log in again'
        : `authentication required (${need})`;
  return new KyokaError('KYOKA_E_UNAUTHENTICATED', why);
}

/** onRequest hook: requires a principal with the permission (401 without one, 403 without the right). */
export function requirePerm(perm: Permission) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = req.principal;
    if (!p) throw unauthenticated(req, 'Bearer API key or console session');
    if (p.kind === 'user' && !SAFE.has(req.method) && req.headers['x-kyoka-csrf'] !== p.csrf) {
      throw new KyokaError('KYOKA_E_FORBIDDEN', 'missing or wrong X-Kyoka-CSRF header');
    }
    if (!can(p.role, perm)) throw new KyokaError('KYOKA_E_FORBIDDEN', `role ${p.role} may not ${perm}`);
  };
}
