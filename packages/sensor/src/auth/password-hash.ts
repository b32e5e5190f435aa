/**
 * Verifies a password against a stored honeycred value the way OpenCanary's passlib CryptContext
 * (schemes pbkdf2_sha512, bcrypt, sha512_crypt, plaintext) does: the scheme is identified by the
 * hash's prefix and anything unrecognised is plaintext. Hashes: passlib's `$pbkdf2-sha512$rounds$
 * salt$checksum` (adapted base64, node:crypto), bcrypt `$2a$/$2b$/$2y$` (bcryptjs), sha512_crypt
 * `$6$[rounds=N$]salt$hash` (unixcrypt). A malformed hash never matches and never throws.
 * Nothing runs on the main thread: pbkdf2 uses libuv's threadpool, bcrypt and sha512_crypt the
 * hash worker (./hash-worker.ts). sha512_crypt costs rounds x password length, so a password
 * longer than MAX_HASHED_PASSWORD (no planted decoy is that long) is not hashed at all.
 */
import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { verifyOffThread } from './hash-worker.ts';

export const MAX_HASHED_PASSWORD = 256;

/** True when checking `stored` costs real CPU (anything but plaintext). */
export function isSlowHash(stored: string): boolean {
  return stored.startsWith('$pbkdf2-sha512$') || /^\$2[abxy]?\$/.test(stored) || stored.startsWith('$6$');
}

/** passlib's "adapted base64": standard alphabet with `.` for `+`, no padding. */
export function ab64Decode(s: string): Buffer | null {
  if (!/^[A-Za-z0-9./]*$/.test(s)) return null;
  return Buffer.from(s.replace(/\./g, '+'), 'base64');
}

function pbkdf2Sha512(password: string, hash: string): Promise<boolean> {
  const parts = hash.split('$'); // ['', 'pbkdf2-sha512', rounds, salt, checksum]
  if (parts.length !== 5) return Promise.resolve(false);
  const rounds = Number(parts[2]);
  const salt = ab64Decode(parts[3]!);
  const want = ab64Decode(parts[4]!);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10_000_000 || !salt || !want || want.length === 0) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    pbkdf2(Buffer.from(password, 'utf8'), salt, rounds, want.length, 'sha512', (err, got) => {
      resolve(!err && got.length === want.length && timingSafeEqual(got, want));
    });
  });
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  try {
    if (!isSlowHash(stored)) return password === stored;
    if (password.length > MAX_HASHED_PASSWORD) return false;
    if (stored.startsWith('$pbkdf2-sha512$')) return await pbkdf2Sha512(password, stored);
    if (stored.startsWith('$6$')) return await verifyOffThread('sha512_crypt', password, stored);
    return await verifyOffThread('bcrypt', password, stored);
  } catch {
    return false;
  }
}
