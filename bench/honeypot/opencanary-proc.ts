/**
 * bench/honeypot: starts a live OpenCanary beside Kyoka's sensor, so both meet the same loads in
 * one run (the issue asks for the comparison side by side at acceptance). The caller names the
 * command that runs OpenCanary in the foreground (`opencanaryd --dev` for an installed one); it
 * runs in a temporary directory holding `opencanary.conf`, which OpenCanary reads from the
 * working directory when neither /etc/opencanaryd/opencanary.conf nor ~/.opencanary.conf exists.
 *
 * The config is Kyoka's `--copyconfig` default (OpenCanary's settings.json keys, same banners on
 * both sides) without Kyoka's own keys, with the benchmarked services on free 127.0.0.1 ports and
 * a file log. OpenCanary's tarpit (1 s per failed SSH password) is fixed in its code.
 *
 * Two loads do not run against it (run.ts says so in its table): telnet, whose Twisted
 * negotiation stops answering after the password when the client refuses its options (as the
 * bench's raw client does; the baseline has no telnet figure either), and hydra, whose libssh
 * 0.10 refuses the ssh-rsa / ssh-dss host keys OpenCanary's SSH offers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../packages/sensor/src/config/defaults.ts';
import {
  benchServices,
  freePort,
  listenerPid,
  SERVICES,
  type Sensor,
  type Service,
  serverHandle,
} from './sensor-proc.ts';

export function openCanaryConfig(
  ports: Record<Service, number>,
  dir: string,
  ftpInitiated = true,
): Record<string, unknown> {
  const conf: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defaultConfig())) if (!k.startsWith('kyoka.')) conf[k] = v;
  Object.assign(conf, {
    'device.node_id': 'bench-oc',
    'device.listen_addr': '127.0.0.1',
    // the same switch as Kyoka's side (run.ts --no-ftp-initiated: older releases log no 2001 record at all)
    'ftp.log_auth_attempt_initiated': ftpInitiated,
    ...benchServices(ports, dir),
  });
  return conf;
}

/** A config in one of these places wins over the working directory's (OpenCanary's search order). */
export function shadowingConfigs(): string[] {
  return ['/etc/opencanaryd/opencanary.conf', join(homedir(), '.opencanary.conf')].filter((f) => existsSync(f));
}

export async function startOpenCanary(command: string, ftpInitiated = true): Promise<Sensor> {
  const shadow = shadowingConfigs();
  if (shadow.length) throw new Error(`OpenCanary would read ${shadow.join(' and ')} instead of the bench's config`);
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-bench-oc-'));
  const ports = {} as Record<Service, number>;
  for (const s of SERVICES) ports[s] = await freePort();
  writeFileSync(join(dir, 'opencanary.conf'), JSON.stringify(openCanaryConfig(ports, dir, ftpInitiated), null, 4));
  const cmd = `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${command}`;
  const child = spawn('bash', ['-c', cmd], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-16384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let pid: number;
  try {
    await waitListening(child, Object.values(ports), () => out);
    // the process that owns the sockets is the one measured (an `opencanaryd` wrapper script is not)
    pid = listenerPid(ports.telnet) ?? (child.pid as number);
  } catch (err) {
    killTree(child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return serverHandle(child, pid, ports, dir, () => killTree(child));
}

function killTree(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGTERM'); // the whole group: a wrapper script and twistd
  } catch {
    child.kill('SIGTERM');
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

async function waitListening(child: ChildProcess, ports: number[], output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`OpenCanary exited (${child.exitCode}):\n${output()}`);
    const up = await Promise.all(ports.map(accepts));
    if (up.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`OpenCanary did not listen on ${ports.join(', ')} within 60 s:\n${output()}`);
}
