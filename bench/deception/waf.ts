/**
 * WAF throughput and added latency versus Debian nginx proxy_pass in front of the same backend,
 * and versus the backend directly, in one run (issue 5 target: WAF ≥ 50% of nginx's req/s with
 * signatures on). Also measures the WAF with every signature category off, to show what
 * inspection costs.
 *
 * Fairness on a small machine: the proxy under test (nginx with worker_processes 1, or the WAF
 * as one Node process) is pinned to CPU 0; the backend and the load generator share CPU 1
 * (taskset), so each proxy gets exactly one core. Load comes from Debian's `wrk` (C, one
 * thread); without wrk the Node load generator (waf-load.ts) is used with a notice. Targets are
 * measured round-robin `rounds` times (after a 1 s warm-up each) and the table shows the mean,
 * plus the CPU each target process spent per request (/proc), which does not depend on that cap.
 *
 * Usage: node --import tsx bench/deception/waf.ts [seconds=5] [connections=32] [rounds=2] [--prof DIR]
 * (--prof writes a V8 CPU profile of the signatures-on WAF process into DIR.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { cpuMs } from './waf-cpu.ts';
import { LOAD_WORKER_SOURCE } from './waf-load.ts';
import { haveWrk, type LoadResult, runWrk, VARY_QUERY_LUA } from './waf-wrk.ts';

const argv = process.argv.slice(2);
const profAt = argv.indexOf('--prof');
const profDir = profAt >= 0 ? resolvePath(argv[profAt + 1] ?? 'prof') : undefined;
if (profAt >= 0) argv.splice(profAt, 2);
const seconds = Number(argv[0] ?? 5);
const connections = Number(argv[1] ?? 32);
const rounds = Number(argv[2] ?? 2);
const PATH = '/item?id=42&q=hello+world&sort=price';
/** With wrk, the query varies per request (VARY_QUERY_LUA): /item?id=N&q=word+word+N&sort=price. */
const PATH_DESC = '/item?id=N&q=<word>+<word>+N&sort=price (varies per request)';
// Header names capitalised as wrk expects: a lower-case 'host' would make wrk add a second Host.
const HEADERS = {
  Host: 'bench.example',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  Cookie: 'sid=abc123; theme=dark',
  Accept: 'text/html,application/xhtml+xml',
  'Accept-Language': 'en-US,en;q=0.9',
};
const PIN = availableParallelism() >= 2;
const TARGET_CPU = PIN ? '0' : undefined;
const LOAD_CPU = PIN ? '1' : undefined;
const WRK = haveWrk();

const here = new URL('.', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-waf-'));
const wrkScript = join(dir, 'vary-query.lua');
writeFileSync(wrkScript, VARY_QUERY_LUA);
const children: ChildProcess[] = [];

function pinned(cpu: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cpu ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args];
}

function startJson(cpu: string | undefined, cmd: string, args: string[]): Promise<{ port: number; pid?: number }> {
  return new Promise((resolve, reject) => {
    const [c0, a0] = pinned(cpu, cmd, args);
    const c = spawn(c0, a0, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    let buf = '';
    c.stdout?.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ ...JSON.parse(buf.slice(0, nl)), pid: c.pid });
    });
    c.on('exit', (code) => reject(new Error(`${cmd} exited ${code}`)));
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function waitPort(port: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} not listening`);
}

async function startNginx(backendPort: number): Promise<{ port: number; pid?: number }> {
  const port = await freePort();
  for (const d of ['logs', 'tmp']) mkdirSync(join(dir, 'nginx', d), { recursive: true });
  const t = join(dir, 'nginx', 'tmp');
  const conf = `worker_processes 1;
pid ${join(dir, 'nginx', 'nginx.pid')};
error_log ${join(dir, 'nginx', 'logs', 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
  const file = join(dir, 'nginx', 'nginx.conf');
  writeFileSync(file, conf);
  const [cmd, args] = pinned(TARGET_CPU, 'nginx', ['-p', join(dir, 'nginx'), '-c', file, '-g', 'daemon off;']);
  const c = spawn(cmd, args, { stdio: 'inherit' });
  children.push(c);
  await waitPort(port);
  return { port, pid: c.pid };
}

/** Fallback without wrk: keep-alive Node clients in worker threads (can be the bottleneck). */
async function nodeLoad(port: number, ms: number): Promise<LoadResult> {
  const threads = 2;
  const per = Math.max(1, Math.floor(connections / threads));
  const res = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ lat: number[]; errors: number }>((resolve, reject) => {
          const w = new Worker(LOAD_WORKER_SOURCE, {
            eval: true,
            workerData: { port, connections: per, durationMs: ms, path: PATH },
          });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  const lat = res.flatMap((r) => r.lat).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  return { rps: lat.length / (ms / 1000), p50: q(0.5), p99: q(0.99), errors: res.reduce((s, r) => s + r.errors, 0) };
}

function load(port: number, secs: number): Promise<LoadResult> {
  if (!WRK) return nodeLoad(port, secs * 1000);
  return runWrk({
    url: `http://127.0.0.1:${port}${PATH}`,
    seconds: secs,
    connections,
    threads: 1,
    headers: HEADERS,
    cpus: LOAD_CPU,
    script: wrkScript,
  });
}

/** A load result plus the CPU the target process spent per request (µs). */
interface Measured extends LoadResult {
  usPerReq: number;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

try {
  if (!WRK) console.log('notice: wrk not found (apt-get install wrk); using the Node load generator instead');
  const node = (script: string, ...args: string[]) => ['--import', 'tsx', join(here, script), ...args];
  const backend = await startJson(LOAD_CPU, process.execPath, node('waf-backend.ts'));
  const backendUrl = `http://127.0.0.1:${backend.port}`;
  const nginx = await startNginx(backend.port);
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const wafOn = await startJson(TARGET_CPU, process.execPath, [
    ...prof,
    ...node('waf-proc.ts', backendUrl, join(dir, 'log-on'), 'on'),
  ]);
  const wafOff = await startJson(
    TARGET_CPU,
    process.execPath,
    node('waf-proc.ts', backendUrl, join(dir, 'log-off'), 'off'),
  );
  // The process whose CPU is charged to each target: the backend for direct, the proxy otherwise.
  const targets: [string, { port: number; pid?: number }][] = [
    ['direct', backend],
    ['nginx proxy_pass', nginx],
    ['kyoka waf (signatures on)', wafOn],
    ['kyoka waf (signatures off)', wafOff],
  ];
  const results = new Map<string, Measured[]>(targets.map(([n]) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, t] of targets) {
      await load(t.port, 1); // warm-up (JIT, keep-alive pools)
      const c0 = cpuMs(t.pid);
      const m = await load(t.port, seconds);
      const usPerReq = ((cpuMs(t.pid) - c0) * 1000) / (m.rps * seconds);
      results.get(name)?.push({ ...m, usPerReq });
    }
  }
  const avg = (name: string): Measured => {
    const rs = results.get(name) ?? [];
    return {
      usPerReq: mean(rs.map((x) => x.usPerReq)),
      rps: mean(rs.map((x) => x.rps)),
      p50: mean(rs.map((x) => x.p50)),
      p99: mean(rs.map((x) => x.p99)),
      errors: rs.reduce((s, x) => s + x.errors, 0),
    };
  };
  const direct = avg('direct');
  const ngx = avg('nginx proxy_pass');
  const rows = targets.map(([name]) => {
    const r = avg(name);
    return {
      target: name,
      'req/s': Math.round(r.rps),
      'per round': (results.get(name) ?? []).map((x) => Math.round(x.rps)).join(' / '),
      'p50 ms': r.p50.toFixed(2),
      'p99 ms': r.p99.toFixed(2),
      'added p99 ms': name === 'direct' ? '-' : (r.p99 - direct.p99).toFixed(2),
      'vs nginx': name === 'direct' ? '-' : `${Math.round((r.rps / ngx.rps) * 100)}%`,
      'CPU µs/req': Math.round(r.usPerReq),
      errors: r.errors,
    };
  });
  console.log(
    `WAF bench: ${seconds}s x ${rounds} rounds per target, ${connections} keep-alive connections, GET ${WRK ? PATH_DESC : PATH}; ` +
      `load: ${WRK ? 'wrk -t1' : 'node workers'}; ${PIN ? 'proxy on CPU 0, backend + load on CPU 1' : 'unpinned (1 CPU)'}`,
  );
  console.table(rows);
  console.log(
    'CPU µs/req: CPU time of the target process per answered request (direct: the backend; proxies: the proxy ' +
      'alone, nginx master + worker). req/s of a proxy is capped by what the backend + load core can deliver.',
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  if (process.argv.includes('--keep')) console.log('kept', dir);
  else rmSync(dir, { recursive: true, force: true });
}
