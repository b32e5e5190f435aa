/**
 * API keys: `kyk_<prefix>_<secret>`. Only a SHA-256 of the whole key is stored (the key is
 * 190 random bits, so a slow hash adds nothing but latency on the ingest path); the public
 * prefix finds the row. Verified keys are cached briefly so ingest does not hit the store
 * per request; revocation clears the cache.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ApiKey, MetaStore, Role } from '../store/types.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_RE = /^kyk_([A-Za-z0-9]{8})_([A-Za-z0-9]{32})$/;

function randomText(n: number): string {
  const bytes = randomBytes(n * 2);
  let out = '';
  for (let i = 0; out.length < n && i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4*62: rejection keeps the choice uniform
  }
  return out.length === n ? out : randomText(n);
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createApiKey(
  meta: MetaStore,
  name: string,
  role: Role,
): Promise<{ key: ApiKey; secret: string }> {
  const prefix = randomText(8);
  const secret = `kyk_${prefix}_${randomText(32)}`;
  const key = await meta.createApiKey({ name, role, prefix, hash: hashKey(secret) });
  return { key, secret };
}

export class ApiKeyVerifier {
  private readonly cache = new LRUCache<string, ApiKey>({ max: 10_000, ttl: 30_000 });
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly meta: MetaStore) {}

  /** Returns the key's record when the secret is valid and not revoked, else null. */
  async verify(secret: string): Promise<ApiKey | null> {
    const m = KEY_RE.exec(secret);
    if (!m) return null;
    const cached = this.cache.get(secret);
    if (cached) return this.touched(cached);
    const row = await this.meta.findApiKeyByPrefix(m[1] as string);
    if (!row || row.revokedAt) return null;
    const a = Buffer.from(row.hash, 'hex');
    const b = Buffer.from(hashKey(secret), 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    this.cache.set(secret, row);
    return this.touched(row);
  }

  forget(): void {
    this.cache.clear();
  }

  /** Records last use at most once a minute per key, off the request's critical path. */
  private touched(k: ApiKey): ApiKey {
    const now = Date.now();
    if (now - (this.lastTouch.get(k.id) ?? 0) > 60_000) {
      this.lastTouch.set(k.id, now);
      this.meta.touchApiKey(k.id, now).catch(() => {});
    }
    return k;
  }
}
