import { connect } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { runSensor } from '../packages/sensor/src/runtime/run.ts';
const N = Number(process.argv[2] ?? 3000);
const port = 40000 + Math.floor(Math.random() * 20000);
const s = await runSensor({ version: 't', values: { 'device.listen_addr': '127.0.0.1', 'kyoka.state_dir': '/tmp/sshmem/state', 'ssh.enabled': true, 'ssh.port': port, 'kyoka.max_connections_per_source': 100000, 'kyoka.max_connections': 100000, logger: { class: 'PyLogger', kwargs: { handlers: {} } } } });
const gc = (globalThis as any).gc;
gc(); gc();
const h0 = process.memoryUsage();
const socks = [];
for (let i = 0; i < N; i++) {
  const c = connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('SSH-2.0-bench_1.0\r\n');
  c.on('data', () => {});
  socks.push(c);
  if (i % 200 === 0) await new Promise((r) => setTimeout(r, 20));
}
await new Promise((r) => setTimeout(r, 3000));
gc(); gc();
const h1 = process.memoryUsage();
console.log('per conn heapUsed B', Math.round((h1.heapUsed - h0.heapUsed) / N), 'external', Math.round((h1.external - h0.external) / N), 'arrayBuffers', Math.round((h1.arrayBuffers - h0.arrayBuffers) / N));
if (process.argv[3]) writeHeapSnapshot(process.argv[3]);
for (const c of socks) c.destroy();
await s.stop();
process.exit(0);
