/**
 * Watches the kernel's nftables changes for bench/deception/latency: runs `nft monitor` (in the
 * current network namespace), reads its output line by line and records, per address, the
 * moment (performance.now()) it was first added to one set, and per transaction (the
 * "# new generation N by process P" line the kernel announces after each commit) how many
 * elements it added. The kernel sends these notifications on commit, so an element line means
 * the address is active in the ruleset. `nft monitor` flushes per event (checked on nft 1.0.6).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runCommand } from '../../test/helpers/netns.ts';

export interface NftWatch {
  /** When each address was first seen added to the watched set (performance.now()). */
  readonly added: Map<string, number>;
  /** Called for each element line of the watched set (the address as nft printed it). */
  onAdd: ((ip: string, at: number) => void) | null;
  /** Transactions (generations) seen since the last resetCounters(), and elements each added. */
  readonly batches: number[];
  /** The process that committed each of `batches` (a long-lived `nft -i` session keeps one pid). */
  readonly pids: number[];
  resetCounters(): void;
  stop(): Promise<void>;
}

const ELEMENT = /^add element inet (\S+) (\S+) \{ ([0-9a-fA-F.:]+)/;
const GENERATION = /^# new generation \d+ by process (\d+)/;
const PROBE = 'kyokabenchprobe';

/** Starts `nft monitor` and resolves once it demonstrably receives events (a probe table). */
export async function watchNft(table: string, set: string): Promise<NftWatch> {
  const child: ChildProcess = spawn('nft', ['monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  let inBatch = 0;
  let probed = false;
  const w: NftWatch = {
    added: new Map(),
    onAdd: null,
    batches: [],
    pids: [],
    resetCounters() {
      w.batches.length = 0;
      w.pids.length = 0;
      inBatch = 0;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    const at = performance.now();
    const m = ELEMENT.exec(line);
    if (m) {
      if (m[1] !== table || m[2] !== set) return;
      inBatch++;
      const ip = m[3] as string;
      if (!w.added.has(ip)) w.added.set(ip, at);
      w.onAdd?.(ip, at);
      return;
    }
    const g = GENERATION.exec(line);
    if (g) {
      w.batches.push(inBatch);
      w.pids.push(Number(g[1]));
      inBatch = 0;
      return;
    }
    if (line.includes(`table inet ${PROBE}`)) probed = true;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (!probed) {
    if (child.exitCode !== null) throw new Error(`nft monitor exited: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await w.stop();
      throw new Error('nft monitor shows no events');
    }
    const r = await runCommand(['nft', '-f', '-'], `add table inet ${PROBE}\ndelete table inet ${PROBE}\n`);
    if (r.code !== 0) throw new Error(`nft probe failed: ${r.stderr.trim()}`);
    await Promise.race([exited, new Promise((r2) => setTimeout(r2, 100))]);
  }
  w.resetCounters();
  return w;
}

/** How many elements a set holds right now (`nft list set`, one "expires" per element). */
export async function setSize(table: string, set: string): Promise<number> {
  const r = await runCommand(['nft', 'list', 'set', 'inet', table, set]);
  if (r.code !== 0) throw new Error(`nft list set: ${r.stderr.trim()}`);
  return r.stdout.match(/\bexpires\b/g)?.length ?? 0;
}
