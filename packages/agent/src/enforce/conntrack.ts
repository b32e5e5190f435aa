/**
 * Cuts the existing connections of newly decided addresses (conntrack -D), best effort and in
 * the background, after the set update that made them decided, so the next apply is never held
 * up. Where /proc/net/nf_conntrack can be read (runner.readConntrack), the sources with entries
 * are found there and only they get a `conntrack -D`. Otherwise: one or two addresses, one delete
 * each; more (a burst, a reset with 100k, or cuts that piled up while one ran), list the table
 * once per family with `conntrack -L` and delete only the sources that have entries.
 *
 * Only flows without our connmark bit are cut: those were opened before the decision and still
 * reach the real service. A flow the new rules already diverted (sandbox, reflection) carries
 * the bit; deleting its entry mid-handshake left the attacker's connection hanging.
 */
import type { Net } from './addresses.ts';
import { CT_MARK } from './plan.ts';
import type { CommandRunner } from './types.ts';

/**
 * Above this many addresses one listing per family replaces one `conntrack -D` each: a process
 * start costs ~5 ms of CPU, and under a burst most new attackers have no connection to cut.
 */
const DIRECT_LIMIT = 2;
/** conntrack's mark filter "mark & mask == 0": flows this agent has not diverted. */
const UNMARKED = `0/0x${CT_MARK.toString(16)}`;
/** Least time between two cut rounds (ms). */
export const CUT_GAP_MS = 100;

export interface Cutter {
  cut(nets: Net[]): void;
  /** Resolves when queued cuts are done (tests, close). */
  idle(): Promise<void>;
  readonly counts: { cut: number; skipped: number; errors: number };
}

function inNets(ip: bigint, family: 4 | 6, nets: Net[]): boolean {
  return nets.some((n) => n.family === family && ip >= n.lo && ip <= n.hi);
}

export function createCutter(
  run: CommandRunner,
  log: (msg: string, extra?: object) => void,
  parse: (s: string) => Net | null,
  gapMs = CUT_GAP_MS,
): Cutter {
  const counts = { cut: 0, skipped: 0, errors: 0 };
  const del = async (n: Net) => {
    const args = ['-D', ...(n.family === 6 ? ['-f', 'ipv6'] : []), '-s', n.key, '--mark', UNMARKED];
    try {
      const r = await run('conntrack', args);
      // Exit 1 = nothing matched; anything else (e.g. CIDR unsupported) is skipped and counted.
      if (r.code === 0) counts.cut++;
      else if (r.code !== 1) counts.skipped++;
    } catch {
      counts.errors++;
    }
  };
  const bulk = async (nets: Net[], table: string | null) => {
    const hosts = new Set(nets.filter((n) => n.single).map((n) => n.key));
    const ranges = nets.filter((n) => !n.single);
    const hit = new Set<string>();
    const scan = (text: string) => {
      for (const line of text.split('\n')) {
        const mark = /\bmark=(\d+)/.exec(line);
        if (mark && (Number(mark[1]) & CT_MARK) !== 0) continue;
        const m = /\bsrc=([0-9a-fA-F:.]+)/.exec(line); // the first src= is the original direction's
        const src = m ? parse(m[1] as string) : null;
        if (src && (hosts.has(src.key) || inNets(src.lo, src.family, ranges))) hit.add(src.key);
      }
    };
    if (table !== null) scan(table);
    else
      for (const fam of ['ipv4', 'ipv6'].filter((f) => nets.some((n) => n.family === (f === 'ipv4' ? 4 : 6)))) {
        const r = await run('conntrack', ['-L', '-f', fam]);
        if (r.code !== 0) counts.errors++;
        else scan(r.stdout);
      }
    for (const k of hit) await del(parse(k) as Net);
  };
  // Cuts queued while one runs are coalesced, and rounds start at least `gapMs` apart: under a
  // burst of many small applies this is one listing per round (a few per second) instead of one
  // or two processes per apply, which competed for the CPU with the next set updates. A lone
  // decision is still cut at once.
  let queued: Net[] = [];
  let running: Promise<void> | null = null;
  let lastEnd = Number.NEGATIVE_INFINITY;
  const drain = async () => {
    await new Promise((r) => setImmediate(r)); // let the apply that queued us finish first
    while (queued.length) {
      const wait = lastEnd + gapMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const nets = queued;
      queued = [];
      try {
        // The /proc table costs no process: with it, only sources that have entries get a delete.
        const table = run.readConntrack ? await run.readConntrack() : null;
        if (table === null && nets.length <= DIRECT_LIMIT) for (const n of nets) await del(n);
        else await bulk(nets, table);
      } catch (e) {
        counts.errors++;
        log('conntrack cut failed', { error: String(e) });
      }
      lastEnd = performance.now();
    }
    running = null;
  };
  return {
    counts,
    cut(nets) {
      if (!nets.length) return;
      for (const n of nets) queued.push(n);
      running ??= drain();
    },
    idle: async () => {
      while (running) await running;
    },
  };
}
