/**
 * The default CommandRunner: spawn with an argument array and stdin, never a shell. `prefix`
 * runs every command through a wrapper (tests use ['ip', 'netns', 'exec', '<ns>']).
 */
import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner } from './types.ts';

export function createSpawnRunner(opts: { prefix?: string[]; timeoutMs?: number } = {}): CommandRunner {
  const prefix = opts.prefix ?? [];
  return (cmd, args, o = {}) =>
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
}
