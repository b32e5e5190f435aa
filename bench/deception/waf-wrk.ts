/**
 * Load generation for bench/deception/waf.ts with Debian's `wrk` (C, epoll): it needs a small
 * fraction of the CPU a Node client needs for the same rate, so the load generator is not what
 * limits the targets on a 2-core machine. Parses wrk's `--latency` report. When wrk is missing
 * the caller falls back to the Node load generator (waf-load.ts) and says so.
 */
import { spawn, spawnSync } from 'node:child_process';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** '1.23ms' | '850.00us' | '1.02s' → milliseconds. */
function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(out: string): LoadResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? toMs(m[1] as string) : Number.NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0;
  return { rps, p50: pct('50'), p99: pct('99'), errors: non2xx + sockErrors };
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads: number;
  headers: Record<string, string>;
  /** CPU list for taskset (e.g. '1'), or undefined to run unpinned. */
  cpus?: string;
  /** Optional wrk Lua script (e.g. one that varies the query per request). */
  script?: string;
}

/**
 * A wrk script making every request's query different (`id` and the search words change), so
 * per-value caches in the WAF cannot make the numbers look better than real traffic would.
 */
export const VARY_QUERY_LUA = `
local n = 0
local words = { "red", "shoes", "size", "blue", "shirt", "cotton", "women", "men", "sale", "new" }
request = function()
  n = n + 1
  local q = words[n % 10 + 1] .. "+" .. words[(n * 7) % 10 + 1] .. "+" .. n
  return wrk.format(nil, "/item?id=" .. n .. "&q=" .. q .. "&sort=price")
end
`;

export function runWrk(o: WrkOptions): Promise<LoadResult> {
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.seconds}s`,
    '--latency',
    ...(o.script ? ['-s', o.script] : []),
    ...Object.entries(o.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    o.url,
  ];
  const [cmd, argv] = o.cpus ? ['taskset', ['-c', o.cpus, 'wrk', ...args]] : ['wrk', args];
  return new Promise((resolve, reject) => {
    const c = spawn(cmd as string, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.stderr.on('data', (d) => {
      out += d;
    });
    c.on('error', reject);
    c.on('exit', (code) => {
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${out.slice(0, 500)}`));
      else resolve(parseWrk(out));
    });
  });
}
