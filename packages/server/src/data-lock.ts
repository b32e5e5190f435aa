/**
 * One running server per SQLite data directory: `<data>/kyoka.pid` holds the owner's pid. Two
 * servers on one directory would each run retention, partition sealing and the full-text
 * catch-up against the same file, and the second would print no first-run password. A pid
 * file left by a killed server (its process gone, or reused by something that is not Node)
 * is taken over. `kyoka keys create --data` and other short CLI commands do not take the lock:
 * they are meant to work while the server runs.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KyokaError } from '@kyoka/core';

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // a recycled pid that belongs to something else is not a Kyoka server
    return /node|kyoka/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Takes the data directory's lock or throws KYOKA_E_CONFLICT naming the owner; returns the release. */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, 'kyoka.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
        } catch {}
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(file, 'utf8').trim());
    } catch {}
    if (alive(owner))
      throw new KyokaError(
        'KYOKA_E_CONFLICT',
        `data directory ${dir} is in use by another Kyoka server (pid ${owner}); stop it or choose another --data`,
        { details: { key: 'data', pid: owner } },
      );
    rmSync(file, { force: true }); // stale: its server is gone
  }
  throw new KyokaError('KYOKA_E_CONFLICT', `data directory ${dir}: could not take its lock file ${file}`);
}
