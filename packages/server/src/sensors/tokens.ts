/**
 * One-time enrollment tokens: `kyt_` + 43 base64url characters (256 random bits). Only a
 * SHA-256 of the token is stored (like API keys: the token is random, a slow hash adds
 * nothing); a token expires and is consumed by the first successful enrollment, atomically
 * (a conditional update), so two sensors racing with one token cannot both enroll. The token
 * format, hashing and TTL bounds are shared with agent/WAF enrollment (agents/tokens.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { KyokaError } from '@kyoka/core';
import { guard, type SensorKysely, updated } from './db.ts';

const TOKEN_RE = /^kyt_[A-Za-z0-9_-]{43}$/;
export const DEFAULT_TTL_SECONDS = 24 * 3600;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh one-time token and the hash to store for it. */
export function newEnrollToken(): { token: string; hash: string } {
  const token = `kyt_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** True when `v` has the shape of an enrollment token (checked before any lookup). */
export function isEnrollTokenShape(v: unknown): v is string {
  return typeof v === 'string' && TOKEN_RE.test(v);
}

/** Checks a token TTL in seconds (default 24 h); throws KYOKA_E_BAD_REQUEST outside 1 s – 30 days. */
export function checkTtl(ttlSeconds: number | undefined): number {
  const ttl = ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS)
    throw new KyokaError('KYOKA_E_BAD_REQUEST', 'ttl_seconds: from 1 to 2592000 (30 days)');
  return ttl;
}

/** "24h", "30m", "7d", "90s" or a number of seconds → seconds (bounded to 30 days). */
export function parseTtl(v: string): number {
  const m = /^(\d{1,7})([smhd]?)$/.exec(v.trim());
  if (!m) throw new KyokaError('KYOKA_E_BAD_REQUEST', `ttl: "${v}" is not a duration like 90s, 30m, 24h or 7d`);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const s = Number(m[1]) * mult;
  if (s < 1 || s > MAX_TTL_SECONDS) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'ttl: from 1 second to 30 days');
  return s;
}

export interface CreatedToken {
  token: string;
  expires_at: string;
}

export async function createEnrollToken(
  db: SensorKysely,
  opts: { name?: string | null; ttlSeconds?: number; createdBy: string; now?: number },
): Promise<CreatedToken> {
  const now = opts.now ?? Date.now();
  const ttl = checkTtl(opts.ttlSeconds);
  const { token, hash } = newEnrollToken();
  const expiresAt = now + ttl * 1000;
  await guard('enrollment token', () =>
    db
      .insertInto('sensor_tokens')
      .values({
        hash,
        name: opts.name ?? null,
        created_by: opts.createdBy,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
        sensor_id: null,
      })
      .execute(),
  );
  return { token, expires_at: new Date(expiresAt).toISOString() };
}

/**
 * Consumes a token for `sensorId`. Returns the name the token was created with (or null);
 * throws 401 for an unknown, used or expired token (one message: it reveals nothing).
 */
export async function consumeEnrollToken(
  db: SensorKysely,
  token: string,
  sensorId: string,
  now = Date.now(),
): Promise<{ name: string | null }> {
  const invalid = new KyokaError('KYOKA_E_UNAUTHENTICATED', 'invalid, used or expired enrollment token');
  if (!isEnrollTokenShape(token)) throw invalid;
  const hash = hashToken(token);
  return guard('enrollment token', async () => {
    const r = await db
      .updateTable('sensor_tokens')
      .set({ used_at: now, sensor_id: sensorId })
      .where('hash', '=', hash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    if (updated(r) !== 1) throw invalid;
    const row = await db.selectFrom('sensor_tokens').select('name').where('hash', '=', hash).executeTakeFirst();
    return { name: row?.name ?? null };
  });
}

/** Deletes tokens that expired more than a day ago (keeps recent ones for auditing). */
export async function purgeTokens(db: SensorKysely, now = Date.now()): Promise<void> {
  await guard('enrollment token', () =>
    db
      .deleteFrom('sensor_tokens')
      .where('expires_at', '<', now - 86_400_000)
      .execute(),
  );
}
