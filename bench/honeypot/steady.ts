/**
 * bench/honeypot: CPU per SSH attempt of a fresh process, window by window, under the paramiko
 * load of run.ts (20 clients, key exchange + 1 password, 1 s tarpit). At this pace (~19 attempts/s)
 * V8 compiles the hot paths of the key exchange over the first minute or two, so the first
 * windows cost more than the steady state a long-running sensor is in; this shows how long that
 * takes, which is what run.ts's --ssh-warmup is set from. With --opencanary CMD the same windows
 * run against a live OpenCanary (started as in run.ts) for comparison.
 *
 *   node --import tsx bench/honeypot/steady.ts [--windows 8] [--seconds 20] [--opencanary CMD]
 *     [--node-flags='--flag ...']
 */
import { parseArgs } from 'node:util';
import { cpuSeconds, table } from '../ingest/proc-stats.ts';
import { startOpenCanary } from './opencanary-proc.ts';
import { type Sensor, startSensor } from './sensor-proc.ts';
import { paramikoLoad } from './tool-loads.ts';

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
    opencanary: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
  },
});
const WINDOWS = Number(values.windows);
const SECONDS = Number(values.seconds);

async function windows(server: Sensor): Promise<string[]> {
  const out: string[] = [];
  try {
    for (let w = 0; w < WINDOWS; w++) {
      const c0 = cpuSeconds(server.pid);
      const r = await paramikoLoad(server.ports.ssh, 20, SECONDS);
      const cpu = cpuSeconds(server.pid) - c0;
      out.push(r.attempts ? ((1000 * cpu) / r.attempts).toFixed(3) : 'n/a');
    }
  } finally {
    await server.stop();
  }
  return out;
}

const nodeArgs = String(values['node-flags']).split(/\s+/).filter(Boolean);
const kyoka = await windows(await startSensor({ sshDelayMs: 1000, nodeArgs }));
const peer = values.opencanary ? await windows(await startOpenCanary(values.opencanary)) : null;
const rows = kyoka.map((k, i) => [`${i * SECONDS}–${(i + 1) * SECONDS} s`, k, ...(peer ? [peer[i] ?? ''] : [])]);
console.log(
  `\nSSH CPU-s per 1,000 attempts (paramiko, 20 clients, 1 s tarpit) by window since the load started (right after the process did)\n`,
);
console.log(table(['window', 'Kyoka', ...(peer ? ['OpenCanary live'] : [])], rows));
