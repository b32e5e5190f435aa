/**
 * Network namespaces for integration tests: create (unique `kyoka-<role>-<random>` names), run
 * commands inside, spawn long-lived processes inside, link two namespaces with a veth pair, and
 * destroy everything — also on process exit, so a failing test leaves nothing behind.
 *
 *   if (netnsUnavailable()) → skip with that reason
 *   const ns = await createNetns('attacker');
 *   await ns.run('ip', ['addr']);            // ip netns exec <name> ip addr
 *   const child = ns.spawn('node', [...]);   // killed by ns.destroy()
 *   await veth(a, 'eth0', b, 'eth-a');       // interface eth0 in a ↔ eth-a in b
 *   await ns.destroy();                      // kills its processes, deletes the namespace
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace (argument array, optional stdin; never a shell). */
  run(cmd: string, args: string[], opts?: { input?: string }): Promise<RunResult>;
  /** Same, throwing with stderr when the exit code is not 0. */
  must(cmd: string, args: string[], opts?: { input?: string }): Promise<string>;
  /** Starts a long-lived process inside the namespace; destroy() kills it. */
  spawn(cmd: string, args: string[]): ChildProcess;
  /** The prefix that runs a command in this namespace (for a CommandRunner). */
  readonly prefix: string[];
  destroy(): Promise<void>;
}

const live = new Set<Netns>();
let exitHook = false;

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `ip netns unavailable: ${r.error?.message ?? r.stderr.trim()}`;
  return null;
}

export function runCommand(argv: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function mustRun(argv: string[], input?: string): Promise<string> {
  const r = await runCommand(argv, input);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} → exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Creates a namespace named kyoka-<role>-<random> with `lo` up. */
export async function createNetns(role: string): Promise<Netns> {
  const name = `kyoka-${role.replace(/[^a-z0-9]/gi, '').slice(0, 12)}-${randomBytes(3).toString('hex')}`;
  await mustRun(['ip', 'netns', 'add', name]);
  const prefix = ['ip', 'netns', 'exec', name];
  const children = new Set<ChildProcess>();
  const ns: Netns = {
    name,
    prefix,
    run: (cmd, args, opts) => runCommand([...prefix, cmd, ...args], opts?.input),
    must: (cmd, args, opts) => mustRun([...prefix, cmd, ...args], opts?.input),
    spawn(cmd, args) {
      const child = spawn(prefix[0] as string, [...prefix.slice(1), cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async destroy() {
      if (!live.has(ns)) return;
      live.delete(ns);
      await Promise.all(
        [...children].map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGKILL');
            }),
        ),
      );
      // Anything else still inside (e.g. a grandchild) dies with the namespace's last reference.
      const pids = (await runCommand(['ip', 'netns', 'pids', name])).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      await runCommand(['ip', 'netns', 'del', name]);
    },
  };
  live.add(ns);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const n of live) spawnSync('ip', ['netns', 'del', n.name]);
    });
  }
  await ns.must('ip', ['link', 'set', 'lo', 'up']);
  return ns;
}

/** Connects `a` and `b` with a veth pair (interface `aIf` in a, `bIf` in b), both up. */
export async function veth(a: Netns, aIf: string, b: Netns, bIf: string): Promise<void> {
  await mustRun(['ip', '-n', a.name, 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.name]);
  await a.must('ip', ['link', 'set', aIf, 'up']);
  await b.must('ip', ['link', 'set', bIf, 'up']);
}

/** Adds an address (CIDR notation) to an interface. */
export async function addAddress(ns: Netns, dev: string, cidr: string): Promise<void> {
  await ns.must('ip', ['addr', 'add', cidr, 'dev', dev]);
}

/** Destroys every namespace this process created and has not destroyed yet. */
export async function destroyAllNetns(): Promise<void> {
  await Promise.all([...live].map((n) => n.destroy()));
}
