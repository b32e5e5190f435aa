/**
 * Saved collector state (file offsets, journald cursors): one small JSON file per collector in
 * the agent's state directory, written atomically (temp file, fsync, rename) so a crash leaves
 * either the old or the new state, never a torn one. Collector names are validated
 * ([A-Za-z0-9._-]) before they reach a path; a hash is added so case-folding file systems
 * cannot merge two names.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const SAFE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface StateStore {
  load<T extends object>(name: string): T | undefined;
  save(name: string, state: object): Promise<void>;
}

function fileFor(dir: string, name: string): string {
  if (!SAFE_NAME_RE.test(name)) throw new Error(`collector name not usable as a file name: ${JSON.stringify(name)}`);
  const h = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return join(dir, `collector-${name}-${h}.json`);
}

export function createStateStore(dir: string): StateStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let seq = 0;
  return {
    load<T extends object>(name: string): T | undefined {
      try {
        const v: unknown = JSON.parse(readFileSync(fileFor(dir, name), 'utf8'));
        return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as T) : undefined;
      } catch {
        return undefined; // missing or unreadable: start as on first sight
      }
    },
    async save(name: string, state: object): Promise<void> {
      const file = fileFor(dir, name);
      const tmp = `${file}.${process.pid}.${++seq}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(state)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await rename(tmp, file);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw err;
      }
    },
  };
}
