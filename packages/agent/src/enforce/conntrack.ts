/**
 * Cuts the existing connections of newly decided addresses (conntrack -D), best effort and in
 * the background so the next apply is never held up. One or two addresses: one delete each.
 * More (a burst, a reset with 100k): list the table once per family and delete only the
 * sources that have entries.
 */
import type { Net } from './addresses.ts';
import type { CommandRunner } from './types.ts';

/**
 * Above this many addresses one listing per family replaces one `conntrack -D` each: a process
 * start costs ~5 ms of CPU, and under a burst most new attackers have no connection to cut.
 */
const DIRECT_LIMIT = 2;

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
): Cutter {
  const counts = { cut: 0, skipped: 0, errors: 0 };
  let chain: Promise<void> = Promise.resolve();
  const del = async (n: Net) => {
    const args = ['-D', ...(n.family === 6 ? ['-f', 'ipv6'] : []), '-s', n.key];
    try {
      const r = await run('conntrack', args);
      // Exit 1 = nothing matched; anything else (e.g. CIDR unsupported) is skipped and counted.
      if (r.code === 0) counts.cut++;
      else if (r.code !== 1) counts.skipped++;
    } catch {
      counts.errors++;
    }
  };
  const bulk = async (nets: Net[]) => {
    const hosts = new Set(nets.filter((n) => n.single).map((n) => n.key));
    const ranges = nets.filter((n) => !n.single);
    const hit = new Set<string>();
    for (const fam of ['ipv4', 'ipv6'].filter((f) => nets.some((n) => n.family === (f === 'ipv4' ? 4 : 6)))) {
      const r = await run('conntrack', ['-L', '-f', fam]);
      if (r.code !== 0) {
        counts.errors++;
        continue;
      }
      for (const line of r.stdout.split('\n')) {
        const m = /\bsrc=([0-9a-fA-F:.]+)/.exec(line);
        const src = m ? parse(m[1] as string) : null;
        if (src && (hosts.has(src.key) || inNets(src.lo, src.family, ranges))) hit.add(src.key);
      }
    }
    for (const k of hit) await del(parse(k) as Net);
  };
  return {
    counts,
    cut(nets) {
      if (!nets.length) return;
      chain = chain
        .then(async () => {
          if (nets.length <= DIRECT_LIMIT) for (const n of nets) await del(n);
          else await bulk(nets);
        })
        .catch((e) => {
          counts.errors++;
          log('conntrack cut failed', { error: String(e) });
        });
    },
    idle: () => chain,
  };
}
