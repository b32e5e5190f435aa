/**
 * bench/honeypot/floor: how much CPU per attempt the 5x-OpenCanary target leaves, against the least
 * any implementation spends on this machine today. Under bench/honeypot/run.ts's exact loads it
 * measures three measuring sticks per service, none of them Kyoka:
 *  - C: a minimal single-threaded epoll server (floor/floor.c, built with `cc`): accept, answer,
 *    one write(2) of a log line per record; for ssh, OpenSSH's own sshd (children included);
 *  - Node: the same minimal servers on node:net / node:http / ssh2's Server (floor/bare-node.mjs);
 *  - Node raw (redis, ftp): the same on libuv's TCP handles, below net.Socket (floor/raw-node.mjs);
 * and prints each beside OpenCanary's CPU-s per 1,000 and the 5x budget (a fifth of it): the
 * recorded figure, or with `--opencanary CMD` a live OpenCanary measured under the same loads in
 * the same run (see run.ts; like run.ts, --no-ftp-initiated drops the FTP 2001 record of the sticks,
 * for an OpenCanary release that logs none).
 *
 *   node --import tsx bench/honeypot/floor.ts [--services redis,ftp,http,ssh] [--seconds 10] [--warmup 3]
 *     [--opencanary 'opencanaryd --dev'] [--no-ftp-initiated]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../ingest/proc-stats.ts';
import { OPENCANARY, TARGET_SPEEDUP } from './baseline.ts';
import { startOpenCanary } from './opencanary-proc.ts';
import { freePort, type Sensor } from './sensor-proc.ts';
import { ftpLoad } from './tcp-clients.ts';
import { haveTool, paramikoLoad, redisLoad, wrkLoad } from './tool-loads.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: 'redis,ftp,http,ssh' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    opencanary: { type: 'string' },
    'no-ftp-initiated': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const HERE = resolve(import.meta.dirname, 'floor');
const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-floor-'));
const TICK = 100; // USER_HZ

type Svc = 'redis' | 'ftp' | 'http' | 'ssh';
const LOADS: Record<Svc, { load: string; run(port: number, sec: number): Promise<number> }> = {
  redis: { load: '50 x redis-cli -r N ping', run: async (p, s) => (await redisLoad(p, 50, s)).attempts },
  ftp: { load: '20 clients, USER/PASS/QUIT per conn', run: async (p, s) => (await ftpLoad(p, 20, s)).attempts },
  http: { load: 'wrk -t1 -c50 GET /index.html', run: async (p, s) => (await wrkLoad(p, s)).requests },
  ssh: { load: 'paramiko, 20 clients, kex + 1 password', run: async (p, s) => (await paramikoLoad(p, 20, s)).attempts },
};

/** utime + stime of the process and of its reaped children (sshd's per-connection processes). */
function treeCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
}

async function started(child: ChildProcess, ready: RegExp): Promise<void> {
  await new Promise<void>((res, rej) => {
    let err = '';
    const t = setTimeout(() => rej(new Error(`did not start: ${err}`)), 20_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += b;
      if (!ready.test(err)) return;
      clearTimeout(t);
      res();
    });
    child.once('exit', (c) => {
      clearTimeout(t);
      rej(new Error(`exited ${c}: ${err}`));
    });
  });
}

function sshdConfig(port: number): string {
  const key = join(dir, 'host_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const conf = join(dir, 'sshd_config');
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${key}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'PasswordAuthentication yes',
      'PermitRootLogin yes',
      'MaxStartups 200',
      'LogLevel VERBOSE',
    ].join('\n'),
  );
  return conf;
}

/** Starts one measuring stick; null when its tool is missing here. */
type Kind = 'C' | 'Node' | 'raw';
const KIND_NAME: Record<Kind, string> = {
  C: 'minimal epoll (C)',
  Node: 'minimal Node',
  raw: 'minimal Node, raw handles',
};

/** Starts one measuring stick; null when its tool is missing here or it has no such server. */
async function startStick(svc: Svc, kind: Kind, port: number): Promise<ChildProcess | null> {
  const log = join(dir, `${svc}-${kind}.log`);
  let child: ChildProcess;
  if (kind === 'raw' && svc !== 'redis' && svc !== 'ftp') return null;
  // an OpenCanary release without logtype 2001 logs one record per FTP connection: so do the sticks then
  const env = { ...process.env, FLOOR_NO_2001: values['no-ftp-initiated'] ? '1' : '' };
  if (kind !== 'C') {
    child = spawn(
      process.execPath,
      [join(HERE, kind === 'raw' ? 'raw-node.mjs' : 'bare-node.mjs'), String(port), svc, log],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env,
      },
    );
    await started(child, /listening/);
    return child;
  }
  if (svc === 'ssh') {
    if (!haveTool('/usr/sbin/sshd')) return null;
    mkdirSync('/run/sshd', { recursive: true }); // its privilege-separation directory (root here)
    // -D: no daemonising; -e: its log (one line per failed password, as a honeypot writes) to stderr
    child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', sshdConfig(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    await started(child, /Server listening/);
    return child;
  }
  const bin = join(dir, 'floor');
  if (!haveTool('cc') || spawnSync('cc', ['-O2', '-o', bin, join(HERE, 'floor.c')]).status !== 0) return null;
  child = spawn(bin, [String(port), svc, log], { stdio: ['ignore', 'ignore', 'pipe'], env });
  await started(child, /listening/);
  return child;
}

/** CPU-s per 1,000 attempts of `pid` under `svc`'s load on `port`, after the warm-up. */
async function measure(svc: Svc, pid: number, port: number): Promise<{ n: number; per1000: number }> {
  if (WARMUP > 0) await LOADS[svc].run(port, WARMUP);
  const c0 = treeCpu(pid);
  const n = await LOADS[svc].run(port, SECONDS);
  await new Promise((r) => setTimeout(r, 300));
  return { n, per1000: (1000 * (treeCpu(pid) - c0)) / n };
}

const rows: Array<Array<string | number>> = [];
const wanted = String(values.services).split(',') as Svc[];
const peer: Sensor | null = values.opencanary
  ? await startOpenCanary(values.opencanary, !values['no-ftp-initiated'])
  : null;
try {
  for (const svc of wanted) {
    const recorded = OPENCANARY[svc];
    if (!LOADS[svc] || !recorded) throw new Error(`unknown service ${svc}`);
    let base = recorded.cpuPer1000;
    if (peer) {
      // OpenCanary paces SSH with its fixed 1 s delay per password (the sticks answer at once)
      const m = await measure(svc, peer.pid, peer.ports[svc]);
      base = m.per1000;
      rows.push([
        svc,
        'OpenCanary (live)',
        LOADS[svc].load,
        Math.round(m.n / SECONDS).toLocaleString('en-US'),
        base.toFixed(4),
        base.toFixed(4),
        (base / TARGET_SPEEDUP).toFixed(4),
        '1.0x',
        '',
      ]);
    }
    const budget = base / TARGET_SPEEDUP;
    for (const kind of ['C', 'Node', 'raw'] as const) {
      const port = await freePort();
      const child = await startStick(svc, kind, port);
      if (!child?.pid) {
        if (kind !== 'raw') console.error(`${svc}/${kind}: tool missing, skipped`);
        continue;
      }
      try {
        const { n, per1000 } = await measure(svc, child.pid, port);
        rows.push([
          svc,
          kind === 'C' && svc === 'ssh' ? 'OpenSSH sshd (C)' : KIND_NAME[kind],
          LOADS[svc].load,
          Math.round(n / SECONDS).toLocaleString('en-US'),
          per1000.toFixed(4),
          peer ? base.toFixed(4) : base,
          budget.toFixed(4),
          `${(base / per1000).toFixed(1)}x`,
          per1000 <= budget ? 'fits' : 'over',
        ]);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  }
} finally {
  await peer?.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\nHoneypot floor, ${new Date().toISOString().slice(0, 10)}, ${SECONDS} s per run after ${WARMUP} s warm-up, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end. Budget = OpenCanary's ${peer ? 'live' : 'recorded'} CPU-s per 1,000 / ${TARGET_SPEEDUP}.\n`,
);
console.log(
  table(
    [
      'test',
      'server',
      'load',
      '/s',
      'CPU-s/1000',
      'OpenCanary CPU-s/1000',
      `${TARGET_SPEEDUP}x budget`,
      'vs OpenCanary',
      'budget',
    ],
    rows,
  ),
);
