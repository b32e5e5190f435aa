/**
 * bench/honeypot: the load generators that are stock tools, run with the same command lines as
 * OpenCanary's baseline (../shared/reference/opencanary-baseline.md): wrk for HTTP, parallel
 * `redis-cli -r N ping` loops for Redis, paramiko (./ssh-load.py) and hydra for SSH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function haveTool(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(cmd: string, args: string[], o: { killAfterMs?: number; countLines?: boolean } = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    let prev = 10;
    child.stdout.on('data', (b: Buffer) => {
      if (o.countLines) {
        // non-empty lines: redis-cli ends each error reply with an empty line when not on a TTY
        for (const c of b) {
          if (c === 10 && prev !== 10) lines++;
          prev = c;
        }
      } else stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 65536) stderr += b.toString();
    });
    const timer = o.killAfterMs ? setTimeout(() => child.kill('SIGTERM'), o.killAfterMs) : null;
    child.once('error', rej);
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      res({ code, stdout: o.countLines ? String(lines) : stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

export interface WrkResult {
  requests: number;
  rps: number;
  p99ms: number;
  errors: number;
  seconds: number;
}

function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** `wrk -t1 -c50 -d10s --latency http://127.0.0.1:PORT/index.html` */
export async function wrkLoad(port: number, seconds: number): Promise<WrkResult> {
  const r = await run('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/index.html`]);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? Number.NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? Number.NaN);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s|m)/.exec(r.stdout);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
  if (!Number.isFinite(requests)) throw new Error(`wrk output not understood:\n${r.stdout}${r.stderr}`);
  return { requests, rps, p99ms: p99 ? ms(p99[1] as string, p99[2] as string) : Number.NaN, errors, seconds };
}

/** `clients` parallel `redis-cli -p PORT -r 1000000 ping` loops, stopped after `seconds`; replies counted. */
export async function redisLoad(port: number, clients: number, seconds: number) {
  const t0 = Date.now();
  const runs = await Promise.all(
    Array.from({ length: clients }, () =>
      run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '-r', '100000000', 'ping'], {
        killAfterMs: seconds * 1000,
        countLines: true,
      }),
    ),
  );
  const replies = runs.reduce((a, r) => a + Number(r.stdout), 0);
  return { attempts: replies, seconds: (Date.now() - t0) / 1000 };
}

const SSH_LOAD = resolve(import.meta.dirname, 'ssh-load.py');

/** paramiko: `clients` threads, key exchange + one password per connection. */
export async function paramikoLoad(port: number, clients: number, seconds: number) {
  const r = await run('/usr/bin/python3', [SSH_LOAD, String(port), String(clients), String(seconds)]);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as { attempts: number; drops: number; seconds: number };
  } catch {
    throw new Error(`ssh-load.py failed (${r.code}):\n${r.stdout}${r.stderr}`);
  }
}

/**
 * `hydra -l root -P list -t 16` against ssh, with a password list sized to last about `seconds`
 * at `perSecond` attempts/s (hydra stops at the end of the list; killed after 3x that).
 */
export async function hydraLoad(port: number, seconds: number, perSecond: number) {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-hydra-'));
  const list = join(dir, 'passwords.txt');
  const n = Math.max(32, Math.round(seconds * perSecond));
  writeFileSync(list, `${Array.from({ length: n }, (_, i) => `bench${i}`).join('\n')}\n`);
  try {
    const r = await run('hydra', ['-I', '-l', 'root', '-P', list, '-t', '16', '-s', String(port), '127.0.0.1', 'ssh'], {
      killAfterMs: seconds * 3000 + 30_000,
    });
    return { passwords: n, seconds: r.seconds, output: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
