/**
 * bench/honeypot: summarises a V8 .cpuprofile (from `--cpu-prof` on the sensor) as the top
 * functions by self time (share of the non-idle samples), so a service that misses its target shows where the CPU went.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface TopFunction {
  name: string;
  where: string;
  selfPct: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Samples per node id, only those taken `fromMs`..`toMs` before the profile's end (the load window). */
function hitsInWindow(p: Profile, fromMs: number, toMs: number): Map<number, number> {
  const hits = new Map<number, number>();
  const times: number[] = new Array(p.samples.length);
  let acc = 0;
  for (let i = 0; i < p.samples.length; i++) {
    acc += p.timeDeltas[i] ?? 0;
    times[i] = acc;
  }
  const t = acc; // the last sample stands for the process's exit
  for (let i = 0; i < p.samples.length; i++) {
    const before = (t - (times[i] as number)) / 1000;
    if (before <= fromMs && before >= toMs) {
      const id = p.samples[i] as number;
      hits.set(id, (hits.get(id) ?? 0) + 1);
    }
  }
  return hits;
}

/**
 * Top functions by self time. With `window` ({fromMs, toMs} before the process exited), only the
 * samples of the load run count, not the start-up (module loading dominates otherwise).
 */
export function topFunctions(file: string, n = 15, window?: { fromMs: number; toMs: number }): TopFunction[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const inWindow = window ? hitsInWindow(p, window.fromMs, window.toMs) : null;
  const byKey = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const node of p.nodes) {
    const f = node.callFrame;
    if (f.functionName === '(idle)') continue;
    const hits = inWindow ? (inWindow.get(node.id) ?? 0) : (node.hitCount ?? 0);
    total += hits;
    const url = f.url.replace(/^file:\/\//, '');
    const where = url ? `${url.includes('/work/') ? relative(process.cwd(), url) : url}:${f.lineNumber + 1}` : '';
    const name = f.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const e = byKey.get(key) ?? { name, where, hits: 0 };
    e.hits += hits;
    byKey.set(key, e);
  }
  return [...byKey.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, n)
    .map((e) => ({ name: e.name, where: e.where, selfPct: total ? (100 * e.hits) / total : 0 }));
}

/**
 * The main thread's .cpuprofile in a directory: the largest one (tsx's module-loader thread
 * writes a small profile of its own).
 */
export function mainProfile(dir: string): string | null {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0] ?? null;
}
