/**
 * Bounds the CPU an attacker can make the sensor spend on honeycred hashes. Slow verifications
 * (pbkdf2 on libuv's threadpool, bcrypt/sha512_crypt on the hash worker) run at most MAX_ACTIVE
 * at a time process-wide, at most MAX_QUEUED wait, and one source may have at most
 * MAX_PER_SOURCE distinct checks pending. Past a limit the check is refused (the caller logs the
 * attempt without a match and counts it) instead of queueing without end.
 */

export const MAX_ACTIVE = 2;
export const MAX_QUEUED = 256;
export const MAX_PER_SOURCE = 4;

type Job = () => Promise<boolean>;

let active = 0;
const queue: Array<() => void> = [];
const perSource = new Map<string, number>();

function release(source: string): void {
  const n = (perSource.get(source) ?? 1) - 1;
  if (n <= 0) perSource.delete(source);
  else perSource.set(source, n);
  active--;
  queue.shift()?.();
}

/** Runs `job` within the limits; null when refused (too many pending overall or from `source`). */
export function limitedVerify(source: string, job: Job): Promise<boolean> | null {
  const mine = perSource.get(source) ?? 0;
  if (mine >= MAX_PER_SOURCE || queue.length >= MAX_QUEUED) return null;
  perSource.set(source, mine + 1);
  const run = (): Promise<boolean> => {
    active++;
    return job()
      .catch(() => false)
      .finally(() => release(source));
  };
  if (active < MAX_ACTIVE) return run();
  return new Promise<void>((r) => queue.push(r)).then(run);
}

/** Current load (tests, metrics). */
export function verifyLoad(): { active: number; queued: number; sources: number } {
  return { active, queued: queue.length, sources: perSource.size };
}
