import { cpuSplit, startSensor } from './sensor-proc.ts';
import { paramikoLoad } from './tool-loads.ts';

const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const combos = process.argv.slice(2).map((s) => s.split(':').map(Number)); // delay:clients
for (const [delay, clients] of combos) {
  const s = await startSensor({ sshDelayMs: delay!, nodeArgs: flags });
  try {
    await paramikoLoad(s.ports.ssh, clients!, 3);
    const a = cpuSplit(s.pid);
    const r = await paramikoLoad(s.ports.ssh, clients!, 15);
    const b = cpuSplit(s.pid);
    const cpu = b.user + b.sys - a.user - a.sys;
    console.log(
      `delay ${delay} clients ${clients}: ${r.attempts} attempts, ${(r.attempts / 15).toFixed(1)}/s, ${((cpu / r.attempts) * 1000).toFixed(2)} ms/attempt (sys ${(((b.sys - a.sys) / r.attempts) * 1000).toFixed(2)})`,
    );
  } finally {
    await s.stop();
  }
}
