/**
 * One-time enrollment tokens for agents and WAF nodes. Format, hashing and TTL bounds are the
 * sensors' (sensors/tokens.ts); each token is for one kind, and is consumed atomically by the
 * first successful enrollment of that kind (a conditional update), so two hosts racing with
 * one token cannot both enroll.
 */
import { KyokaError } from '@kyoka/core';
import { guard, updated } from '../sensors/db.ts';
import { checkTtl, hashToken, isEnrollTokenShape, newEnrollToken } from '../sensors/tokens.ts';
import type { AgentKind, AgentKysely } from './db.ts';

export interface CreatedAgentToken {
  token: string;
  expires_at: string;
  kind: AgentKind;
}

export async function createAgentToken(
  db: AgentKysely,
  opts: { kind: AgentKind; name?: string | null; ttlSeconds?: number; createdBy: string; now?: number },
): Promise<CreatedAgentToken> {
  const now = opts.now ?? Date.now();
  const ttl = checkTtl(opts.ttlSeconds);
  const { token, hash } = newEnrollToken();
  const expiresAt = now + ttl * 1000;
  await guard('enrollment token', async () => {
    // keep recently expired tokens for auditing, drop older ones
    await db
      .deleteFrom('agent_tokens')
      .where('expires_at', '<', now - 86_400_000)
      .execute();
    await db
      .insertInto('agent_tokens')
      .values({
        hash,
        kind: opts.kind,
        name: opts.name ?? null,
        created_by: opts.createdBy,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        agent_id: null,
      })
      .execute();
  });
  return { token, expires_at: new Date(expiresAt).toISOString(), kind: opts.kind };
}

/**
 * Consumes a token of `kind` for `agentId`; returns the name it was created with (or null).
 * An unknown, used, expired or other-kind token is one 401 (the message reveals nothing).
 */
export async function consumeAgentToken(
  db: AgentKysely,
  token: unknown,
  kind: AgentKind,
  agentId: string,
  now = Date.now(),
): Promise<{ name: string | null }> {
  const invalid = new KyokaError('KYOKA_E_UNAUTHENTICATED', 'invalid, used or expired enrollment token');
  if (!isEnrollTokenShape(token)) throw invalid;
  const hash = hashToken(token);
  return guard('enrollment token', async () => {
    const r = await db
      .updateTable('agent_tokens')
      .set({ used_at: now, agent_id: agentId })
      .where('hash', '=', hash)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    if (updated(r) !== 1) throw invalid;
    const row = await db.selectFrom('agent_tokens').select('name').where('hash', '=', hash).executeTakeFirst();
    return { name: row?.name ?? null };
  });
}
