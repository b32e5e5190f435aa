/**
 * Throwaway PostgreSQL cluster for tests: initdb into a temp dir (trust auth), listen on
 * 127.0.0.1 on a free port with the unix socket inside the temp dir, create a database and
 * hand back its URL. Returns null when the PostgreSQL binaries are not installed.
 * As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Directory holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian-style install
  }
  return dirs.find((d) => executable(join(d, 'initdb')) && executable(join(d, 'pg_ctl'))) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

export async function startPostgres(): Promise<{ url: string; stop(): Promise<void> } | null> {
  const bin = findPgBin();
  if (!bin) return null;
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? await postgresIds() : null;
  if (asRoot && !ids) return null; // cannot drop privileges: treat as unavailable
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-pg-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const sh = (cmd: string, args: string[]) =>
    ids ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  const stop = async () => {
    if (existsSync(join(data, 'postmaster.pid')))
      await sh('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sh('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`;
    await sh('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', opts]);
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE kyoka_test');
    } finally {
      await admin.end();
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/kyoka_test`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
