/**
 * bench/honeypot: login attempts per second and server CPU-seconds per 1,000 attempts for the
 * ssh, ftp, http, telnet and redis honeypots of a real `kyoka sensor` process, and its RSS idle
 * and with 10,000 idle telnet / ssh connections, beside OpenCanary's recorded figures (same load
 * commands as ../shared/reference/opencanary-baseline.md). Server CPU is utime + stime from
 * /proc/PID/stat before and after each run; every attempt a client counts is checked against the
 * sensor's log file.
 *
 * Each test first runs the same load unmeasured for --warmup seconds: a fresh process spends its
 * first few hundred attempts compiling the hot paths (a long-running sensor does not).
 *
 *   node --import tsx bench/honeypot/run.ts [--services ssh,ftp,http,telnet,redis] [--seconds 10] [--warmup 3]
 *     [--conns 10000] [--ssh-delay 1000] [--no-memory] [--no-load] [--profile] [--node-flags='--flag ...']
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, table } from '../ingest/proc-stats.ts';
import { OPENCANARY, OPENCANARY_RSS, TARGET_SPEEDUP } from './baseline.ts';
import { mainProfile, topFunctions } from './profile.ts';
import {
  countLogtypes,
  cpuSplit,
  logSize,
  rssMb,
  SERVICES,
  type Sensor,
  type Service,
  startSensor,
} from './sensor-proc.ts';
import { ftpLoad, openIdle, telnetLoad } from './tcp-clients.ts';
import { haveTool, hydraLoad, paramikoLoad, redisLoad, wrkLoad } from './tool-loads.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: SERVICES.join(',') },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    conns: { type: 'string', default: '10000' },
    'ssh-delay': { type: 'string', default: '1000' },
    'no-memory': { type: 'boolean', default: false },
    'no-load': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const wanted = String(values.services)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as Service[];
for (const s of wanted) if (!SERVICES.includes(s)) throw new Error(`unknown service ${s}; one of ${SERVICES}`);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONNS = Number(values.conns);
const SSH_DELAY = Number(values['ssh-delay']);
/** Extra node/V8 flags for the sensor process (to compare settings within one run). */
const NODE_FLAGS = String(values['node-flags']).split(/\s+/).filter(Boolean);
const LOAD_AT_START = loadavg()[0] as number;
// this process holds the idle client sockets: raise its own open-files limit too (root may)
spawnSync('prlimit', [`--pid=${process.pid}`, '--nofile=65535:65535'], { stdio: 'ignore' });

interface Row {
  test: string;
  load: string;
  perSecond: number;
  cpuPer1000: number;
  counted: number;
  logged: number;
  note: string;
  /** Share of the server's CPU spent in the kernel (stime). */
  sysPct: number;
}
const rows: Row[] = [];
const profiles: string[] = [];

/** Waits until the log file stops growing (trailing records of in-flight attempts). */
async function logSettled(file: string): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const now = logSize(file);
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function measure(
  sensor: Sensor,
  fn: (seconds: number) => Promise<{ attempts: number; seconds: number; note?: string }>,
  logtype: number,
): Promise<Omit<Row, 'test' | 'load'>> {
  if (WARMUP > 0) {
    await fn(WARMUP);
    await logSettled(sensor.logFile);
  }
  const off = logSize(sensor.logFile);
  const c0 = cpuSeconds(sensor.pid);
  const s0 = cpuSplit(sensor.pid).sys;
  const r = await fn(SECONDS);
  await logSettled(sensor.logFile);
  const cpu = cpuSeconds(sensor.pid) - c0;
  const sys = cpuSplit(sensor.pid).sys - s0;
  const logged = countLogtypes(sensor.logFile, off).get(logtype) ?? 0;
  return {
    perSecond: r.attempts / r.seconds,
    cpuPer1000: r.attempts ? (1000 * cpu) / r.attempts : Number.NaN,
    counted: r.attempts,
    logged,
    note: r.note ?? '',
    sysPct: cpu > 0 ? (100 * sys) / cpu : Number.NaN,
  };
}

async function loadService(sensor: Sensor, s: Service): Promise<void> {
  const port = sensor.ports[s];
  if (s === 'http') {
    if (!haveTool('wrk')) return void console.error('http: wrk missing (apt-get install -y wrk); skipped');
    const m = await measure(
      sensor,
      async (sec) => {
        const w = await wrkLoad(port, sec);
        return { attempts: w.requests, seconds: sec, note: `p99 ${w.p99ms.toFixed(1)} ms, ${w.errors} errors` };
      },
      3000,
    );
    rows.push({ test: 'http', load: 'wrk -t1 -c50 GET /index.html', ...m });
  } else if (s === 'ftp') {
    const m = await measure(sensor, (sec) => ftpLoad(port, 20, sec), 2000);
    rows.push({ test: 'ftp', load: '20 clients, USER/PASS/QUIT per conn', ...m });
  } else if (s === 'telnet') {
    const m = await measure(sensor, (sec) => telnetLoad(port, 20, sec), 6001);
    rows.push({ test: 'telnet', load: '20 clients, 1 login per conn', ...m });
  } else if (s === 'redis') {
    if (!haveTool('redis-cli')) return void console.error('redis: redis-cli missing; skipped');
    const m = await measure(sensor, (sec) => redisLoad(port, 50, sec), 17001);
    rows.push({ test: 'redis', load: '50 x redis-cli -r N ping', ...m });
  } else if (s === 'ssh') {
    const m = await measure(
      sensor,
      async (sec) => {
        const r = await paramikoLoad(port, 20, sec);
        const total = r.attempts + r.drops;
        const drop = total ? (100 * r.drops) / total : 0;
        return { ...r, note: `${r.drops} dropped (${drop.toFixed(1)}%), auth delay ${SSH_DELAY} ms` };
      },
      4002,
    );
    rows.push({ test: 'ssh', load: 'paramiko, 20 clients, kex + 1 password', ...m });
    if (!haveTool('hydra')) return void console.error('ssh-hydra: hydra missing; skipped');
    const perSecond = SSH_DELAY > 0 ? Math.max(16, (16 * 1000) / SSH_DELAY) : 400;
    const h = await measure(
      sensor,
      async (sec) => {
        const off = logSize(sensor.logFile);
        const r = await hydraLoad(port, sec, perSecond);
        const logged = countLogtypes(sensor.logFile, off).get(4002) ?? 0;
        return { attempts: logged, seconds: r.seconds, note: `${r.passwords} passwords in the list` };
      },
      4002,
    );
    rows.push({ test: 'ssh-hydra', load: 'hydra -l root -P list -t 16', ...h });
  }
}

async function loadRuns(): Promise<void> {
  if (!values.profile) {
    const sensor = await startSensor({ sshDelayMs: SSH_DELAY, nodeArgs: NODE_FLAGS });
    try {
      for (const s of wanted) await loadService(sensor, s);
    } finally {
      await sensor.stop();
    }
    return;
  }
  for (const s of wanted) {
    const dir = mkdtempSync(join(tmpdir(), `kyoka-bench-prof-${s}-`));
    const sensor = await startSensor({
      sshDelayMs: SSH_DELAY,
      nodeArgs: [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`],
      cpuProfDir: dir,
    });
    const t0 = Date.now();
    let t1 = t0;
    try {
      await loadService(sensor, s);
      t1 = Date.now();
    } finally {
      await sensor.stop();
    }
    const end = Date.now();
    const p = mainProfile(dir);
    if (!p) continue;
    const top = topFunctions(p, 15, { fromMs: end - t0, toMs: end - t1 });
    profiles.push(
      `\n### ${s}: top functions by self time (${p})\n\n${table(
        ['self %', 'function', 'where'],
        top.map((t) => [t.selfPct, t.name, t.where]),
      )}`,
    );
  }
}

interface MemRow {
  test: string;
  opened: number;
  beforeMb: number;
  afterMb: number;
  /** After STEADY_MS with the connections held (V8's memory reducer has run by then). */
  steadyMb: number;
}
/**
 * The connections are held this long before the second reading: ~8 s after the accept burst
 * V8's memory reducer runs a compacting GC and shrinks the young generation the burst grew.
 */
const STEADY_MS = 15_000;
const mem: MemRow[] = [];
let idleMb = Number.NaN;

async function settle(pid: number): Promise<number> {
  // let the shared timers and GC run, then take the lowest of a few readings
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 600));
    best = Math.min(best, rssMb(pid));
  }
  return best;
}

async function memoryRuns(): Promise<void> {
  const kinds: Array<{ test: string; svc: Service; hello?: string; ready: string }> = [
    { test: 'telnet', svc: 'telnet', ready: 'Username: ' },
    { test: 'ssh (version line sent)', svc: 'ssh', hello: 'SSH-2.0-bench_1.0\r\n', ready: 'SSH-2.0-' },
  ];
  for (const k of kinds) {
    const sensor = await startSensor({ sshDelayMs: SSH_DELAY, nodeArgs: NODE_FLAGS });
    try {
      const before = await settle(sensor.pid);
      if (Number.isNaN(idleMb)) idleMb = before;
      const conns = await openIdle(sensor.ports[k.svc], CONNS, { hello: k.hello, ready: k.ready });
      const t0 = Date.now();
      const after = await settle(sensor.pid);
      await new Promise((r) => setTimeout(r, Math.max(0, STEADY_MS - (Date.now() - t0))));
      const steady = rssMb(sensor.pid);
      mem.push({ test: k.test, opened: conns.opened, beforeMb: before, afterMb: after, steadyMb: steady });
      conns.close();
    } finally {
      await sensor.stop();
    }
  }
}

function ratio(r: Row): string {
  const b = OPENCANARY[r.test];
  if (!b || !Number.isFinite(r.cpuPer1000) || r.cpuPer1000 <= 0) return 'n/a';
  return `${(b.cpuPer1000 / r.cpuPer1000).toFixed(1)}x`;
}

function printReport(): void {
  const date = new Date().toISOString().slice(0, 10);
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  if (rows.length) {
    console.log(
      `\nHoneypot sensor, ${date}, ${SECONDS} s per run after ${WARMUP} s of unmeasured warm-up, ssh.auth_delay_ms ${SSH_DELAY}, load average ${LOAD_AT_START.toFixed(1)} at the start, ${load} at the end, on ${cpus().length} CPUs. OpenCanary columns are the recorded figures of\n` +
        'opencanary-baseline.md (OpenCanary cannot be installed here: PyPI is unreachable), not a live run.\n' +
        `Target: >= ${TARGET_SPEEDUP}x OpenCanary's attempts per CPU-second (= its CPU-s per 1,000 / Kyoka's).\n`,
    );
    console.log(
      table(
        [
          'test',
          'load',
          'Kyoka /s',
          'Kyoka CPU-s/1000',
          'kernel %',
          'counted / logged',
          'OpenCanary /s',
          'OpenCanary CPU-s/1000',
          'per-CPU-s ratio',
          'target',
          'notes',
        ],
        rows.map((r) => {
          const b = OPENCANARY[r.test];
          const x = b ? b.cpuPer1000 / r.cpuPer1000 : Number.NaN;
          return [
            r.test,
            r.load,
            r.perSecond,
            r.cpuPer1000.toFixed(3),
            `${Math.round(r.sysPct)}%`,
            `${r.counted} / ${r.logged}${r.logged < r.counted ? ' MISSING' : ''}`,
            b ? b.perSecond : 'n/a',
            b ? b.cpuPer1000 : 'n/a',
            ratio(r),
            b ? (x >= TARGET_SPEEDUP ? 'met' : 'MISSED') : 'n/a',
            r.note,
          ];
        }),
      ),
    );
  }
  if (mem.length) {
    console.log(
      `\nRSS (VmRSS): idle and ~3 s after the connections opened, the lowest of 5 readings; steady: one reading ${STEADY_MS / 1000} s after they opened. OpenCanary: ${OPENCANARY_RSS.idleMb} MB idle, ~${OPENCANARY_RSS.kbPerConn} kB per idle connection, ~${OPENCANARY_RSS.at10kMb} MB at 10,000.\n`,
    );
    console.log(
      table(
        [
          'idle connections',
          'opened',
          'RSS idle MB',
          'RSS with conns MB (3 s)',
          'kB per conn (3 s)',
          `steady MB (${STEADY_MS / 1000} s)`,
          'kB per conn (steady)',
          'target <= 85 MB (3 s / steady)',
        ],
        mem.map((m) => {
          const perConn = (mb: number) => (m.opened ? ((mb - m.beforeMb) * 1024) / m.opened : Number.NaN);
          const met = (mb: number) => (mb <= OPENCANARY_RSS.at10kMb ? 'met' : 'MISSED');
          return [
            `${CONNS} ${m.test}`,
            m.opened,
            m.beforeMb,
            m.afterMb,
            perConn(m.afterMb),
            m.steadyMb,
            perConn(m.steadyMb),
            `${met(m.afterMb)} / ${met(m.steadyMb)}`,
          ];
        }),
      ),
    );
  }
  for (const p of profiles) console.log(p);
}

if (!values['no-memory']) await memoryRuns();
if (!values['no-load']) await loadRuns();
printReport();
