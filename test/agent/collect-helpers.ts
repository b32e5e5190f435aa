/** Shared pieces of the collector integration tests: free ports, polling, a collector harness. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CollectorConfig,
  type Collectors,
  createCollectors,
  validateCollectors,
} from '@kyoka/agent/collect/index';
import type { KyokaEvent } from '@kyoka/core';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function until<T>(
  get: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `kyoka-${tag}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Harness {
  events: KyokaEvent[];
  collectors: Collectors;
  stop(): Promise<void>;
}

export const OBSERVER = { name: 'agent-test', hostname: 'web1', type: 'agent' as const };

export async function runCollectors(raw: unknown, stateDir: string, extra: object = {}): Promise<Harness> {
  const cfg: CollectorConfig[] = validateCollectors(raw);
  const events: KyokaEvent[] = [];
  const collectors = createCollectors(cfg, {
    stateDir,
    emit: (e) => events.push(e),
    observer: OBSERVER,
    pollMs: 50,
    saveMs: 50,
    retryMs: 100,
    maxRetryMs: 500,
    ...extra,
  });
  await collectors.start();
  return { events, collectors, stop: () => collectors.stop() };
}

/** Spawns a daemon in the foreground; stop() ends it by its own pid and waits for the exit. */
export function daemon(
  cmd: string,
  args: string[],
): { proc: ChildProcess; output: () => string; stop(): Promise<void> } {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    if (out.length < 8192) out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    if (out.length < 8192) out += d.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Runs a command to its end (bounded by timeoutMs); resolves with its exit code and output. */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', (e) => resolve({ code: -1, out: e.message }));
    p.on('close', (code) => resolve({ code, out }));
  });
}
