/**
 * bench/honeypot: login attempts per second and server CPU-seconds per 1,000 attempts for the
 * ssh, ftp, http, telnet and redis honeypots of a real `kyoka sensor` process, and its RSS idle
 * and with 10,000 idle telnet / ssh connections, beside OpenCanary's recorded figures (same load
 * commands as ../shared/reference/opencanary-baseline.md) and, with --opencanary, beside a live
 * OpenCanary meeting the same loads in the same run (tests alternate between the two, the order
 * flipped every round; --rounds N gives medians). Server CPU is utime + stime from
 * /proc/PID/stat before and after each run; every attempt a client counts is checked against the
 * server's log file.
 *
 * Each test first runs the same load unmeasured for --warmup seconds: a fresh process spends its
 * first few hundred attempts compiling the hot paths (a long-running sensor does not).
 *
 *   node --import tsx bench/honeypot/run.ts [--services ssh,ftp,http,telnet,redis] [--seconds 10] [--warmup 3]
 *     [--ssh-warmup 90] [--conns 10000] [--ssh-delay 1000] [--ssh-transport lean|ssh2] [--no-memory] [--no-load] [--profile] [--node-flags='--flag ...']
 *     [--opencanary 'opencanaryd --dev'] [--rounds 1] [--peer-memory] [--no-ftp-initiated]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuSeconds, table } from '../ingest/proc-stats.ts';
import { OPENCANARY, OPENCANARY_RSS, TARGET_SPEEDUP } from './baseline.ts';
import { startOpenCanary } from './opencanary-proc.ts';
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
    'ssh-warmup': { type: 'string', default: '90' },
    conns: { type: 'string', default: '10000' },
    'ssh-delay': { type: 'string', default: '1000' },
    'ssh-transport': { type: 'string', default: 'lean' },
    'no-memory': { type: 'boolean', default: false },
    'no-load': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    opencanary: { type: 'string' },
    'peer-memory': { type: 'boolean', default: false },
    'no-ftp-initiated': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const wanted = String(values.services)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as Service[];
for (const s of wanted) if (!SERVICES.includes(s)) throw new Error(`unknown service ${s}; one of ${SERVICES}`);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
/**
 * The paramiko load runs at the tarpit's pace (~19 attempts/s): V8 optimizes the key exchange's
 * hot paths only after some thousand calls, so its CPU per attempt falls for the first ~1.5
 * minutes of a fresh process (bench/honeypot/steady.ts prints it window by window; a long-running
 * sensor is past that). Its warm-up is therefore longer, on both sides alike.
 */
const SSH_WARMUP = Number(values['ssh-warmup']);
const CONNS = Number(values.conns);
const SSH_DELAY = Number(values['ssh-delay']);
/** The sensor's ssh.transport: lean (default) or ssh2, to compare the two. */
const SENSOR_CONF = { 'ssh.transport': String(values['ssh-transport']) };
/** Command that runs OpenCanary in the foreground from a directory holding opencanary.conf. */
const PEER = values.opencanary;
const ROUNDS = Math.max(1, Number(values.rounds));
/** OpenCanary answers every failed SSH password after 1 s; not configurable. */
const OPENCANARY_SSH_DELAY = 1000;
/** Loads a live OpenCanary cannot take (opencanary-proc.ts says why). */
const PEER_SKIPS: Record<string, string> = {
  telnet: 'its telnet stops answering after the password when the client refuses its options',
  'ssh-hydra': "hydra's libssh refuses its ssh-rsa / ssh-dss host keys",
};
/**
 * Both sides log logtype 2001 before each FTP password, as the recorded baseline's OpenCanary
 * did. OpenCanary releases without logtype 2001 ignore ftp.log_auth_attempt_initiated: against
 * one, pass --no-ftp-initiated so that both log one FTP record per attempt.
 */
const FTP_INITIATED = !values['no-ftp-initiated'];
/** Extra node/V8 flags for the sensor process (to compare settings within one run). */
const NODE_FLAGS = String(values['node-flags']).split(/\s+/).filter(Boolean);
const LOAD_AT_START = loadavg()[0] as number;
// this process holds the idle client sockets: raise its own open-files limit too (root may)
spawnSync('prlimit', [`--pid=${process.pid}`, '--nofile=65535:65535'], { stdio: 'ignore' });

type Who = 'kyoka' | 'opencanary';

interface Row {
  who: Who;
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
  warmup = WARMUP,
): Promise<Omit<Row, 'who' | 'test' | 'load'>> {
  if (warmup > 0) {
    await fn(warmup);
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

async function loadService(sensor: Sensor, s: Service, who: Who): Promise<void> {
  const port = sensor.ports[s];
  const sshDelay = who === 'kyoka' ? SSH_DELAY : OPENCANARY_SSH_DELAY;
  const skip = (test: string) => who === 'opencanary' && test in PEER_SKIPS;
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
    rows.push({ who, test: 'http', load: 'wrk -t1 -c50 GET /index.html', ...m });
  } else if (s === 'ftp') {
    const m = await measure(sensor, (sec) => ftpLoad(port, 20, sec), 2000);
    rows.push({ who, test: 'ftp', load: '20 clients, USER/PASS/QUIT per conn', ...m });
  } else if (s === 'telnet') {
    if (skip('telnet')) return;
    const m = await measure(sensor, (sec) => telnetLoad(port, 20, sec), 6001);
    rows.push({ who, test: 'telnet', load: '20 clients, 1 login per conn', ...m });
  } else if (s === 'redis') {
    if (!haveTool('redis-cli')) return void console.error('redis: redis-cli missing; skipped');
    const m = await measure(sensor, (sec) => redisLoad(port, 50, sec), 17001);
    rows.push({ who, test: 'redis', load: '50 x redis-cli -r N ping', ...m });
  } else if (s === 'ssh') {
    const m = await measure(
      sensor,
      async (sec) => {
        const r = await paramikoLoad(port, 20, sec);
        const total = r.attempts + r.drops;
        const drop = total ? (100 * r.drops) / total : 0;
        return { ...r, note: `${r.drops} dropped (${drop.toFixed(1)}%), auth delay ${sshDelay} ms` };
      },
      4002,
      SSH_WARMUP,
    );
    rows.push({ who, test: 'ssh', load: 'paramiko, 20 clients, kex + 1 password', ...m });
    if (!haveTool('hydra')) return void console.error('ssh-hydra: hydra missing; skipped');
    if (skip('ssh-hydra')) return;
    const perSecond = sshDelay > 0 ? Math.max(16, (16 * 1000) / sshDelay) : 400;
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
    rows.push({ who, test: 'ssh-hydra', load: 'hydra -l root -P list -t 16', ...h });
  }
}

async function loadRuns(): Promise<void> {
  if (!values.profile) {
    const kyoka = await startSensor({
      sshDelayMs: SSH_DELAY,
      nodeArgs: NODE_FLAGS,
      ftpInitiated: FTP_INITIATED,
      conf: SENSOR_CONF,
    });
    let peer: Sensor | null = null;
    try {
      peer = PEER ? await startOpenCanary(PEER, FTP_INITIATED) : null;
    } catch (err) {
      await kyoka.stop();
      throw err;
    }
    try {
      for (let round = 0; round < ROUNDS; round++)
        for (const s of wanted) {
          // alternate who goes first, so a drift in the machine's speed does not favour one side
          const order: Array<[Sensor, Who]> = [[kyoka, 'kyoka']];
          if (peer) order[round % 2 ? 'unshift' : 'push']([peer, 'opencanary']);
          for (const [server, who] of order) await loadService(server, s, who);
        }
    } finally {
      await kyoka.stop();
      await peer?.stop();
    }
    return;
  }
  for (const s of wanted) {
    const dir = mkdtempSync(join(tmpdir(), `kyoka-bench-prof-${s}-`));
    const sensor = await startSensor({
      sshDelayMs: SSH_DELAY,
      nodeArgs: [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`],
      cpuProfDir: dir,
      conf: SENSOR_CONF,
    });
    const t0 = Date.now();
    let t1 = t0;
    try {
      await loadService(sensor, s, 'kyoka');
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
  who: Who;
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
  // the idle kinds of the services asked for (--services ssh: only ssh's)
  const all: Array<{ test: string; svc: Service; hello?: string; ready: string }> = [
    { test: 'telnet', svc: 'telnet', ready: 'Username: ' },
    { test: 'ssh (version line sent)', svc: 'ssh', hello: 'SSH-2.0-bench_1.0\r\n', ready: 'SSH-2.0-' },
  ];
  const kinds = all.filter((k) => wanted.includes(k.svc));
  const servers: Array<[Who, () => Promise<Sensor>]> = [
    [
      'kyoka',
      () =>
        startSensor({ sshDelayMs: SSH_DELAY, nodeArgs: NODE_FLAGS, ftpInitiated: FTP_INITIATED, conf: SENSOR_CONF }),
    ],
  ];
  // opt-in: the live OpenCanary answered 10,000 connections' telnet prompts far too slowly (about
  // 7,100 after 12 minutes in one run), so by default its memory stays the recorded figure
  if (PEER && values['peer-memory']) servers.push(['opencanary', () => startOpenCanary(PEER, FTP_INITIATED)]);
  for (const k of kinds)
    for (const [who, start] of servers) {
      const sensor = await start();
      try {
        const before = await settle(sensor.pid);
        const conns = await openIdle(sensor.ports[k.svc], CONNS, { hello: k.hello, ready: k.ready });
        const t0 = Date.now();
        const after = await settle(sensor.pid);
        await new Promise((r) => setTimeout(r, Math.max(0, STEADY_MS - (Date.now() - t0))));
        const steady = rssMb(sensor.pid);
        mem.push({ who, test: k.test, opened: conns.opened, beforeMb: before, afterMb: after, steadyMb: steady });
        conns.close();
      } finally {
        await sensor.stop();
      }
    }
}

function median(xs: number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return Number.NaN;
  const m = v.length >> 1;
  return v.length % 2 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
}

interface Summary {
  test: string;
  load: string;
  perSecond: number;
  cpuPer1000: number;
  /** Every round's CPU-s per 1,000, in run order. */
  runs: number[];
  sysPct: number;
  counted: number;
  logged: number;
  note: string;
}

/** Medians over the rounds of one server's runs of one test (the last round's note). */
function summarize(who: Who): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const r of rows) {
    if (r.who !== who) continue;
    const all = rows.filter((x) => x.who === who && x.test === r.test);
    out.set(r.test, {
      test: r.test,
      load: r.load,
      perSecond: median(all.map((x) => x.perSecond)),
      cpuPer1000: median(all.map((x) => x.cpuPer1000)),
      runs: all.map((x) => x.cpuPer1000),
      sysPct: median(all.map((x) => x.sysPct)),
      counted: all.reduce((n, x) => n + x.counted, 0),
      logged: all.reduce((n, x) => n + x.logged, 0),
      note: r.note,
    });
  }
  return out;
}

const times = (ref: number, ours: number) =>
  Number.isFinite(ref) && Number.isFinite(ours) && ours > 0 ? `${(ref / ours).toFixed(1)}x` : 'n/a';
const countedLogged = (x: Summary) => `${x.counted} / ${x.logged}${x.logged < x.counted ? ' MISSING' : ''}`;
/** CPU-s per 1,000 to three significant digits: redis's 0.010 hides differences the tick counts resolve. */
const cpu = (v: number) => v.toFixed(v < 0.1 ? 4 : 3);
const runList = (x: Summary | undefined) => (x ? x.runs.map(cpu).join(' / ') : 'n/a');

function printReport(): void {
  const date = new Date().toISOString().slice(0, 10);
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const kyoka = summarize('kyoka');
  const live = summarize('opencanary');
  if (kyoka.size) {
    console.log(
      `\nHoneypot sensor, ${date}, ${SECONDS} s per run after ${WARMUP} s of unmeasured warm-up (ssh: ${SSH_WARMUP} s), ${ROUNDS} round(s)${ROUNDS > 1 ? ' (medians)' : ''}, Kyoka's ssh.auth_delay_ms ${SSH_DELAY}, load average ${LOAD_AT_START.toFixed(1)} at the start, ${load} at the end, on ${cpus().length} CPUs.\n` +
        (PEER
          ? `"OpenCanary live": \`${PEER}\` under the same loads in this run, tests alternating with Kyoka's; both log ${FTP_INITIATED ? 'two FTP records per attempt (2001, 2000)' : 'one FTP record per attempt (2000)'}. "recorded": opencanary-baseline.md.\n`
          : '"recorded": the OpenCanary figures of opencanary-baseline.md (no live OpenCanary in this run: pass --opencanary CMD).\n') +
        `Target: >= ${TARGET_SPEEDUP}x OpenCanary's attempts per CPU-second (= its CPU-s per 1,000 / Kyoka's)${PEER ? ', judged on the live run' : ''}.\n`,
    );
    const headers = ['test', 'load', 'Kyoka /s', 'Kyoka CPU-s/1000', 'kernel %', 'counted / logged'];
    if (PEER) headers.push('OpenCanary live /s', 'OpenCanary live CPU-s/1000', 'counted / logged', 'live ratio');
    headers.push('recorded CPU-s/1000', 'recorded ratio', 'target', 'notes');
    const body = [...kyoka.values()].map((k) => {
      const b = OPENCANARY[k.test];
      const o = live.get(k.test);
      const row: Array<string | number> = [
        k.test,
        k.load,
        k.perSecond,
        cpu(k.cpuPer1000),
        `${Math.round(k.sysPct)}%`,
        countedLogged(k),
      ];
      if (PEER) row.push(o ? o.perSecond : 'n/a', o ? cpu(o.cpuPer1000) : 'n/a', o ? countedLogged(o) : 'n/a');
      const skipped = PEER ? PEER_SKIPS[k.test] : undefined;
      if (PEER) row.push(times(o?.cpuPer1000 ?? Number.NaN, k.cpuPer1000));
      const ref = PEER ? (o?.cpuPer1000 ?? Number.NaN) : (b?.cpuPer1000 ?? Number.NaN);
      const met = Number.isFinite(ref) ? (ref / k.cpuPer1000 >= TARGET_SPEEDUP ? 'met' : 'MISSED') : 'n/a';
      row.push(b ? b.cpuPer1000 : 'n/a', times(b?.cpuPer1000 ?? Number.NaN, k.cpuPer1000), met);
      const peerNote = o?.note ? `OpenCanary: ${o.note}` : skipped ? `not run against OpenCanary: ${skipped}` : '';
      row.push([k.note, peerNote].filter(Boolean).join('; '));
      return row;
    });
    console.log(table(headers, body));
    if (ROUNDS > 1) {
      console.log('\nCPU-s per 1,000, every round in run order:\n');
      console.log(
        table(
          PEER ? ['test', 'Kyoka', 'OpenCanary live'] : ['test', 'Kyoka'],
          [...kyoka.values()].map((k) =>
            PEER ? [k.test, runList(k), runList(live.get(k.test))] : [k.test, runList(k)],
          ),
        ),
      );
    }
  }
  if (mem.length) {
    console.log(
      `\nRSS (VmRSS): idle and ~3 s after the connections opened, the lowest of 5 readings; steady: one reading ${STEADY_MS / 1000} s after they opened. OpenCanary recorded: ${OPENCANARY_RSS.idleMb} MB idle, ~${OPENCANARY_RSS.kbPerConn} kB per idle connection, ~${OPENCANARY_RSS.at10kMb} MB at 10,000.\n`,
    );
    console.log(
      table(
        [
          'server',
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
            m.who === 'kyoka' ? 'Kyoka' : 'OpenCanary live',
            `${CONNS} ${m.test}`,
            m.opened,
            m.beforeMb,
            m.afterMb,
            perConn(m.afterMb),
            m.steadyMb,
            perConn(m.steadyMb),
            m.who === 'kyoka' ? `${met(m.afterMb)} / ${met(m.steadyMb)}` : '',
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
