/**
 * WAF throughput and added latency versus Debian nginx proxy_pass in front of the same backend,
 * and versus the backend directly, in one run. Backend, nginx (1 worker) and the WAF (one Node
 * process, signatures on) run as separate processes; load comes from keep-alive HTTP clients in
 * worker threads. Prints a table. Usage: node --import tsx bench/deception/waf.ts [seconds] [connections]
 * Target (issue 5): WAF ≥ 50% of nginx's requests/s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LOAD_WORKER_SOURCE } from './waf-load.ts';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const THREADS = 2;
const PATH = '/item?id=42&q=hello+world&sort=price';
const here = new URL('.', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-waf-'));
const children: ChildProcess[] = [];

function startJson(cmd: string, args: string[]): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    let buf = '';
    c.stdout?.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
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

async function startNginx(backendPort: number): Promise<number> {
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
  children.push(spawn('nginx', ['-p', join(dir, 'nginx'), '-c', file, '-g', 'daemon off;'], { stdio: 'inherit' }));
  await waitPort(port);
  return port;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(port: number, ms: number): Promise<Result> {
  const per = Math.max(1, Math.floor(connections / THREADS));
  const runs = Array.from(
    { length: THREADS },
    () =>
      new Promise<{ lat: number[]; errors: number }>((resolve, reject) => {
        const w = new Worker(LOAD_WORKER_SOURCE, {
          eval: true,
          workerData: { port, connections: per, durationMs: ms, path: PATH },
        });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const res = await Promise.all(runs);
  const lat = res.flatMap((r) => r.lat).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  return { rps: lat.length / (ms / 1000), p50: q(0.5), p99: q(0.99), errors: res.reduce((s, r) => s + r.errors, 0) };
}

try {
  const backend = await startJson(process.execPath, ['--import', 'tsx', join(here, 'waf-backend.ts')]);
  const nginxPort = await startNginx(backend.port);
  const waf = await startJson(process.execPath, [
    '--import',
    'tsx',
    join(here, 'waf-proc.ts'),
    `http://127.0.0.1:${backend.port}`,
    join(dir, 'log'),
  ]);
  const targets: [string, number][] = [
    ['direct', backend.port],
    ['nginx proxy_pass', nginxPort],
    ['kyoka waf (signatures on)', waf.port],
  ];
  const results: [string, Result][] = [];
  for (const [name, port] of targets) {
    await load(port, 1000); // warm-up
    results.push([name, await load(port, seconds * 1000)]);
  }
  const direct = results[0]?.[1] as Result;
  const nginx = results[1]?.[1] as Result;
  const rows = results.map(([name, r]) => ({
    target: name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50.toFixed(2),
    'p99 ms': r.p99.toFixed(2),
    'added p99 ms': name === 'direct' ? '-' : (r.p99 - direct.p99).toFixed(2),
    'vs nginx': `${Math.round((r.rps / nginx.rps) * 100)}%`,
    errors: r.errors,
  }));
  console.log(
    `WAF bench: ${seconds}s per target, ${connections} keep-alive connections over ${THREADS} threads, GET ${PATH}`,
  );
  console.table(rows);
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
