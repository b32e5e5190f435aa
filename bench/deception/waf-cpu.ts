/**
 * CPU time (user + system) of a target process and its children, from /proc, for
 * bench/deception/waf.ts: "CPU µs per request" compares proxies by cost rather than by a rate
 * that the shared backend/load core may cap. Linux only; returns NaN elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep the Linux default
}

function ticks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** CPU milliseconds used so far by `pid` and its direct children (e.g. nginx master + worker). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let t = ticks(pid);
    for (const c of children(pid)) t += ticks(c);
    return (t * 1000) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}
