/**
 * Honeycreds: OpenCanary's `<service>.honeycreds` list of {username?, password?} decoys. A login
 * attempt that matches one is flagged with the top-level `honeycred` field of its record, so a
 * credential planted on a file share or in a password manager raises a high-fidelity alert when it
 * is used. Semantics follow opencanary/honeycred.py: a missing username or password matches
 * anything; the flag is only computed when the service has honeycreds and the attempt carries a
 * username or a password. Stored passwords are plaintext or a passlib hash (pbkdf2_sha512, bcrypt,
 * sha512_crypt), verified by ./password-hash.ts.
 *
 * Verifying a hash costs milliseconds to a second of CPU, and attackers repeat the same
 * dictionaries, so verdicts are cached (bounded) per service and concurrent checks of the same
 * credentials share one verification. The hashing never runs on the main thread and is bounded
 * (./verify-limit.ts): a source with too many checks pending, or a full queue, gets its attempt
 * logged with `honeycred: false` at once and `<service>.honeycred_overload` counted, so a
 * password spray can neither stall the sensor nor grow its memory.
 */
import type { LogOptions, SensorConf } from '../service/types.ts';
import { isSlowHash, verifyPassword } from './password-hash.ts';
import { limitedVerify } from './verify-limit.ts';

export interface HoneyCred {
  username?: string;
  password?: string;
}

export interface HoneycredChecker {
  /** `{ honeycred: bool }` for ctx.log, or undefined when OpenCanary writes no honeycred field. */
  check(
    username: string | null | undefined,
    password: string | null | undefined,
    /** The attacker's address, for the per-source cap on pending checks. */
    source?: string,
  ): Promise<LogOptions | undefined>;
}

const CACHE_MAX = 4096;

/** Reads and validates `<service>.honeycreds`; entries that are not {username?, password?} strings are skipped. */
export function readHoneycreds(conf: SensorConf, service: string): HoneyCred[] {
  const raw = conf.get<unknown>(`${service}.honeycreds`, []);
  if (!Array.isArray(raw)) return [];
  const out: HoneyCred[] = [];
  for (const c of raw) {
    if (typeof c !== 'object' || c === null) continue;
    const { username, password } = c as Record<string, unknown>;
    if (username !== undefined && username !== null && typeof username !== 'string') continue;
    if (password !== undefined && password !== null && typeof password !== 'string') continue;
    const cred: HoneyCred = {};
    if (typeof username === 'string') cred.username = username;
    if (typeof password === 'string') cred.password = password;
    out.push(cred);
  }
  return out;
}

export async function testCred(cred: HoneyCred, username?: string | null, password?: string | null): Promise<boolean> {
  if (cred.username !== undefined && cred.username !== username) return false;
  if (cred.password === undefined) return true;
  if (password === undefined || password === null) return false;
  return verifyPassword(password, cred.password);
}

export async function testManyCreds(
  creds: HoneyCred[],
  username?: string | null,
  password?: string | null,
): Promise<boolean> {
  for (const c of creds) if (await testCred(c, username, password)) return true;
  return false;
}

/** Whether checking these credentials would hash anything (else the verdict is computed inline). */
function needsHash(creds: HoneyCred[], username?: string | null, password?: string | null): boolean {
  if (password === undefined || password === null) return false;
  return creds.some(
    (c) => (c.username === undefined || c.username === username) && c.password !== undefined && isSlowHash(c.password),
  );
}

/** The checker for `service`, or null when it has no honeycreds (then records carry no honeycred field). */
export function honeycredChecker(
  conf: SensorConf,
  service: string,
  count?: (service: string, what: string) => void,
): HoneycredChecker | null {
  const creds = readHoneycreds(conf, service);
  if (creds.length === 0) return null;
  const cache = new Map<string, boolean>();
  const inflight = new Map<string, Promise<boolean>>();
  const remember = (key: string, hit: boolean) => {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, hit);
  };
  return {
    async check(username, password, source = '') {
      if (!username && !password) return undefined;
      const key = `${username ?? '\u0000n'}\u0000${password ?? '\u0000n'}`;
      const hit = cache.get(key);
      if (hit !== undefined) return { honeycred: hit };
      let p = inflight.get(key);
      if (!p) {
        const job = () => testManyCreds(creds, username, password);
        const started = needsHash(creds, username, password) ? limitedVerify(source, job) : job();
        if (!started) {
          count?.(service, 'honeycred_overload');
          return { honeycred: false };
        }
        p = started.then((v) => {
          inflight.delete(key);
          remember(key, v);
          return v;
        });
        inflight.set(key, p);
      }
      return { honeycred: await p };
    },
  };
}
