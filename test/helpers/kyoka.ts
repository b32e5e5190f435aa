/**
 * Starts a real `kyoka start` process for integration tests: temp data dir, free ports,
 * the first-run admin password and an ingest key read from what the CLI prints.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const KYOKA_BIN = join(ROOT, 'packages/cli/bin/kyoka.js');
/** The `kyoka` command as npx and a global install run it (a sh launcher that execs node). */
export const KYOKA_LAUNCHER = join(ROOT, 'packages/cli/bin/kyoka');

export interface Kyoka {
  url: string;
  adminUser: 'admin';
  adminPassword: string;
  dataDir: string;
  ingestKey: string;
  /** An analyst key for the search API. */
  readKey: string;
  syslogUdpPort: number;
  syslogTcpPort: number;
  receivers: Record<string, number>;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
  /** SIGKILL, keeping the data directory (for restart tests). */
  kill(): Promise<void>;
}

/** Runs the kyoka CLI to completion and returns stdout (throws on a non-zero exit). */
export function kyokaCli(args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [KYOKA_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: ROOT,
  });
  if (r.status !== 0) throw new Error(`kyoka ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export async function startKyoka(
  opts: {
    env?: Record<string, string>;
    args?: string[];
    dataDir?: string;
    ingestKey?: string;
    configFile?: string;
    nodeArgs?: string[];
    /** Run the all-in-one's local honeypot sensor (off by default: tests own their ports). */
    sensor?: boolean;
    /** Start through the `kyoka` launcher with its node flags (benchmarks: what users run); nodeArgs go in KYOKA_NODE_FLAGS. */
    launcher?: boolean;
  } = {},
): Promise<Kyoka> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kyoka-test-'));
  const cfgArgs = opts.configFile ? ['--config', opts.configFile] : [];
  const ingestKey =
    opts.ingestKey ??
    kyokaCli(
      ['keys', 'create', '--name', 'test-ingest', '--role', 'ingest', '--data', dataDir, ...cfgArgs],
      opts.env,
    ).trim();
  const readKey = kyokaCli(
    ['keys', 'create', '--name', 'test-read', '--role', 'analyst', '--data', dataDir, ...cfgArgs],
    opts.env,
  ).trim();
  const nodeArgs = opts.nodeArgs ?? [];
  const proc = spawn(
    opts.launcher ? KYOKA_LAUNCHER : process.execPath,
    [
      ...(opts.launcher ? [] : [...nodeArgs, KYOKA_BIN]),
      'start',
      '--data',
      dataDir,
      '--port',
      '0',
      '--syslog-port',
      '0',
      ...cfgArgs,
      ...(opts.sensor ? [] : ['--no-sensor']),
      ...(opts.args ?? []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, ...opts.env, ...(opts.launcher ? { KYOKA_NODE_FLAGS: nodeArgs.join(' ') } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kyoka start did not come up in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (/Syslog:.*\n/.test(out) && (!/First run/.test(out) || /password/.test(out.split('First run')[1] ?? ''))) {
        // wait for the whole banner (receivers and first-run lines follow syslog)
        setTimeout(() => {
          clearTimeout(timer);
          resolve(out);
        }, 150);
        proc.stdout?.off('data', check);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kyoka start exited with ${code}:\n${out}`));
    });
  });
  const url = /Console:\s+(\S+)/.exec(ready)?.[1];
  if (!url) throw new Error(`no console URL in:\n${ready}`);
  const pw = /with password: (\S+)/.exec(ready)?.[1] ?? opts.env?.KYOKA_ADMIN_PASSWORD ?? '';
  const udp = Number(/udp [^\s,]+:(\d+)/.exec(ready)?.[1] ?? 0);
  const tcp = Number(/(?:tcp|tls) [^\s,]+:(\d+)/.exec(ready)?.[1] ?? 0);
  const receivers: Record<string, number> = {};
  for (const m of ready.matchAll(/Receiver: (\S+) on port (\d+)/g)) receivers[m[1] as string] = Number(m[2]);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url: url.replace(/\/$/, ''),
    adminUser: 'admin',
    adminPassword: pw,
    dataDir,
    ingestKey,
    readKey,
    syslogUdpPort: udp,
    syslogTcpPort: tcp,
    receivers,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Logs in to the console API as the first-run admin: the session cookie and its CSRF token. */
export async function adminSession(k: Kyoka): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${k.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: k.adminUser, password: k.adminPassword }),
  });
  assert.equal(res.status, 200, 'admin login');
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** Polls the search API until `check` accepts the result (events are stored asynchronously for syslog). */
export async function searchUntil(
  k: { url: string },
  auth: string,
  params: Record<string, string>,
  check: (r: { total: number; events: Record<string, any>[] }) => boolean,
  timeoutMs = 10_000,
): Promise<{ total: number; events: Record<string, any>[] }> {
  const deadline = Date.now() + timeoutMs;
  let last: { total: number; events: Record<string, any>[] } = { total: 0, events: [] };
  while (Date.now() < deadline) {
    const res = await fetch(
      `${k.url}/api/v1/search?${new URLSearchParams({ from: 'now-30d', to: 'now+1d', ...params })}`,
      {
        headers: { authorization: `Bearer ${auth}` },
      },
    );
    if (res.status !== 200) throw new Error(`search ${res.status}: ${await res.text()}`);
    last = (await res.json()) as typeof last;
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}
