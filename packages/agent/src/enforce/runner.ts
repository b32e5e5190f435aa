/**
 * The default CommandRunner: spawn with an argument array and stdin, never a shell. `prefix`
 * runs every command through a wrapper (tests use ['ip', 'netns', 'exec', '<ns>']). `open` starts
 * a long-lived child the same way (the nft session, nft-session.ts); `readConntrack` (no prefix
 * only) reads the connection table from /proc instead of starting `conntrack -L`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { CommandResult, CommandRunner, ProcessOpener } from './types.ts';

export function createSpawnRunner(opts: { prefix?: string[]; timeoutMs?: number } = {}): CommandRunner {
  const prefix = opts.prefix ?? [];
  const open: ProcessOpener = (cmd, args, env) => {
    const [bin, ...rest] = [...prefix, cmd, ...args] as [string, ...string[]];
    return spawn(bin, rest, { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  };
  const run = (cmd: string, args: string[], o: { input?: string } = {}) =>
    new Promise<CommandResult>((resolve) => {
      const [bin, ...rest] = [...prefix, cmd, ...args] as [string, ...string[]];
      const child = spawn(bin, rest, { stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 30_000 });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => {});
      child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
      child.on('close', (code) =>
        resolve({
          code: code ?? 1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
      child.stdin.end(o.input ?? '');
    });
  // Only without a prefix is this process in the namespace the commands act on.
  const readConntrack = async () => {
    try {
      return await readFile('/proc/net/nf_conntrack', 'utf8');
    } catch {
      return null; // no conntrack module loaded, or a kernel without CONFIG_NF_CONNTRACK_PROCFS
    }
  };
  return Object.assign(run, prefix.length ? { open } : { open, readConntrack });
}
