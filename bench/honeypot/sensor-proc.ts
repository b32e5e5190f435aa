/**
 * bench/honeypot: starts a real `kyoka sensor` process for the benchmark (an OpenCanary config
 * file with file logging only, services on free 127.0.0.1 ports, a raised open-files limit so
 * it can hold 10,000 connections), and reads what it logged: records per logtype in a slice of
 * its log file, so every attempt the load generators count is checked against the log.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SERVICES = ['ssh', 'ftp', 'http', 'telnet', 'redis'] as const;
export type Service = (typeof SERVICES)[number];

/** The `kyoka` launcher users run (npx kyoka, a global install): it adds the sensor's node flags. */
const KYOKA_LAUNCHER = resolve(import.meta.dirname, '../../packages/cli/bin/kyoka');

export interface Sensor {
  pid: number;
  ports: Record<Service, number>;
  logFile: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(p));
    });
  });
}

export interface SensorOptions {
  sshDelayMs: number;
  /** Log 2001 before each FTP password (as the recorded baseline's OpenCanary did); default true. */
  ftpInitiated?: boolean;
  /** Extra node flags for the sensor (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: string[];
  cpuProfDir?: string;
  /** Extra environment for the sensor (e.g. KYOKA_SENSOR_V8_TUNING=0 to compare V8 settings). */
  env?: Record<string, string>;
  /** Extra config keys (e.g. {'ssh.transport': 'ssh2'} to compare SSH transports). */
  conf?: Record<string, unknown>;
}

/** The config the sensor runs with: OpenCanary's keys, Kyoka's limits raised for 10,000 connections. */
export function benchConfig(ports: Record<Service, number>, dir: string, sshDelayMs: number, ftpInitiated = true) {
  const conf: Record<string, unknown> = {
    'device.node_id': 'bench-1',
    'device.listen_addr': '127.0.0.1',
    'kyoka.state_dir': join(dir, 'state'),
    // every client comes from 127.0.0.1: lift the per-source limit (64) for the idle-connection runs
    'kyoka.max_connections_per_source': 30_000,
    'kyoka.max_connections': 30_000,
    'ssh.auth_delay_ms': sshDelayMs,
    'ftp.log_auth_attempt_initiated': ftpInitiated,
    ...benchServices(ports, dir),
  };
  return conf;
}

/** What both the sensor's and a live OpenCanary's bench configs hold: the services, a file log. */
export function benchServices(ports: Record<Service, number>, dir: string): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    logger: {
      class: 'PyLogger',
      kwargs: {
        formatters: { plain: { format: '%(message)s' } },
        handlers: { file: { class: 'logging.FileHandler', filename: join(dir, 'opencanary.log') } },
      },
    },
  };
  for (const s of SERVICES) {
    conf[`${s}.enabled`] = true;
    conf[`${s}.port`] = ports[s];
  }
  return conf;
}

export async function startSensor(o: SensorOptions): Promise<Sensor> {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-hp-'));
  const ports = {} as Record<Service, number>;
  for (const s of SERVICES) ports[s] = await freePort();
  const confPath = join(dir, 'opencanary.conf');
  const conf = { ...benchConfig(ports, dir, o.sshDelayMs, o.ftpInitiated), ...o.conf };
  writeFileSync(confPath, JSON.stringify(conf, null, 4));
  // 10,000 idle connections need more open files than the usual 1,024 (root may raise the hard limit)
  const cmd = `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  // extra node flags go in KYOKA_NODE_FLAGS, after the launcher's own (so they win)
  const env = { ...process.env, ...o.env, KYOKA_NODE_FLAGS: (o.nodeArgs ?? []).join(' ') };
  const child = spawn('bash', ['-c', cmd, KYOKA_LAUNCHER, 'sensor', '--config', confPath, '--verbose'], {
    cwd: o.cpuProfDir ?? dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  try {
    const err = await waitReady(child);
    // a port taken between freePort() and the bind (the ephemeral range is shared with clients)
    // leaves that service down while the rest run: the load would then measure nothing
    for (const s of SERVICES)
      if (listenerPid(ports[s]) !== child.pid)
        throw new Error(`sensor is not listening on ${s} port ${ports[s]}:\n${err}`);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // a CPU profile goes to cpuProfDir, kept
  return serverHandle(child, child.pid as number, ports, dir, () => child.kill('SIGTERM'));
}

/**
 * The handle of a started server process (the sensor or a live OpenCanary): its log is
 * DIR/opencanary.log; stop() signals it, waits for its exit and removes DIR.
 */
export function serverHandle(
  child: ChildProcess,
  pid: number,
  ports: Record<Service, number>,
  dir: string,
  signal: () => void,
): Sensor {
  return {
    pid,
    ports,
    logFile: join(dir, 'opencanary.log'),
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        signal();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The process that owns the listening TCP socket on 127.0.0.1:port (from `ss`). */
export function listenerPid(port: number): number | undefined {
  const r = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const m = /pid=(\d+)/.exec(r.stdout ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Resolves with the sensor's stderr so far once it reports its services running. */
function waitReady(child: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`sensor did not start within 60 s:\n${err}`)), 60_000);
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.length > 65536) err = err.slice(-65536);
      if (/\d+ service\(s\) running/.test(err) && err.includes('telnet')) {
        clearTimeout(timer);
        res(err);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`sensor exited (${code}):\n${err}`));
    });
  });
}

export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Records per logtype written between byte offsets `from` and the end of the file. */
export function countLogtypes(file: string, from: number): Map<number, number> {
  const size = logSize(file);
  const out = new Map<number, number>();
  if (size <= from) return out;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(size - from);
  readSync(fd, buf, 0, buf.length, from);
  closeSync(fd);
  const re = /"logtype": (\d+)/g;
  const text = buf.toString('utf8');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const t = Number(m[1]);
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

/** User and system CPU seconds of a process (utime, stime from /proc/PID/stat; USER_HZ 100). */
export function cpuSplit(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

/** Current resident set size in MB (VmRSS). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
