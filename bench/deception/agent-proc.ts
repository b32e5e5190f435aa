/**
 * The agent under test for bench/deception/latency: a real `kyoka agent` process (so its own
 * RSS and CPU can be read from /proc, apart from the server and the load generator), enrolled
 * with a one-time token, protecting one port in firewall mode on nftables. Also the /proc
 * sampling: CPU of the process itself and of its children (the `nft` / `conntrack` commands it
 * runs, reaped or, like its `nft -i` session, still running), resident memory now and at its peak.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KYOKA_BIN, ROOT } from '../../test/helpers/kyoka.ts';

const TICK = 100; // USER_HZ

export interface ProcNow {
  /** user + system seconds of the process itself. */
  cpuS: number;
  /** user + system seconds of its children: exited ones (nft -f, conntrack) and live ones (nft -i). */
  childCpuS: number;
  rssMb: number;
  peakRssMb: number;
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds of the live children (the long-lived `nft -i` session): not in cutime until reaped. */
function liveChildrenCpuS(pid: number): number {
  let sum = 0;
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const t of tasks) {
    let kids: string[] = [];
    try {
      kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      continue;
    }
    for (const k of kids)
      try {
        const f = statFields(Number(k));
        sum += (Number(f[11]) + Number(f[12])) / TICK;
      } catch {
        /* exited meanwhile: it is in cutime at the next reading */
      }
  }
  return sum;
}

export function procNow(pid: number): ProcNow {
  const f = statFields(pid);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return {
    cpuS: (Number(f[11]) + Number(f[12])) / TICK,
    childCpuS: (Number(f[13]) + Number(f[14])) / TICK + liveChildrenCpuS(pid),
    rssMb: kb('VmRSS') / 1024,
    peakRssMb: kb('VmHWM') / 1024,
  };
}

export interface Window {
  seconds: number;
  /** CPU of the agent process as % of one core over the window. */
  cpuPct: number;
  /** CPU of its children (kernel commands) as % of one core. */
  childCpuPct: number;
  rssMeanMb: number;
  rssMaxMb: number;
}

/** Samples a process every `everyMs` for `seconds` (RSS mean / max, CPU % from the deltas). */
export async function sampleWindow(pid: number, seconds: number, everyMs = 500): Promise<Window> {
  const t0 = performance.now();
  const a = procNow(pid);
  const rss: number[] = [a.rssMb];
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, everyMs));
    rss.push(procNow(pid).rssMb);
  }
  const b = procNow(pid);
  const wall = (performance.now() - t0) / 1000;
  return {
    seconds: wall,
    cpuPct: ((b.cpuS - a.cpuS) / wall) * 100,
    childCpuPct: ((b.childCpuS - a.childCpuS) / wall) * 100,
    rssMeanMb: rss.reduce((s, x) => s + x, 0) / rss.length,
    rssMaxMb: Math.max(...rss),
  };
}

export interface AgentProc {
  pid: number;
  proc: ChildProcess;
  output(): string;
  /** SIGTERM (the agent removes its rules), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export const AGENT_TABLE = 'kyoka';
export const PROTECTED_PORT = 2222;

/** Writes the agent's config and starts `kyoka agent`; resolves once it enforces. */
export async function startAgent(o: { dir: string; serverUrl: string; token: string }): Promise<AgentProc> {
  const config = join(o.dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'name: bench-agent',
      `state_dir: ${JSON.stringify(join(o.dir, 'agent-state'))}`,
      'enforce:',
      '  backend: nftables',
      `  table: ${AGENT_TABLE}`,
      '  protect:',
      `    - { port: ${PROTECTED_PORT}, protocol: tcp, mode: firewall }`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const proc = spawn(
    process.execPath,
    [KYOKA_BIN, 'agent', '--config', config, '--server', o.serverUrl, '--token', o.token, '--verbose'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kyoka agent did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (!/protecting \d+\/tcp/.test(out)) return;
      clearTimeout(timer);
      proc.stderr?.off('data', check);
      resolve();
    };
    proc.stderr?.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kyoka agent exited with ${code}:\n${out}`));
    });
  });
  return {
    pid: proc.pid as number,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
