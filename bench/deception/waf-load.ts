/**
 * Worker-thread source for bench/deception/waf.ts: keep-alive GET load on one port, returns
 * latencies (ms) of 200 answers. Plain JavaScript run with `eval: true`, so it works under tsx.
 */
export const LOAD_WORKER_SOURCE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { port, connections, durationMs, path } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const lat = [];
let errors = 0;
const end = Date.now() + durationMs;
function one() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path, agent,
      headers: { host: 'bench.example', 'user-agent': UA, cookie: 'sid=abc123; theme=dark' } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if (res.statusCode === 200) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        else errors++;
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
  });
}
async function loop() { while (Date.now() < end) await one(); }
Promise.all(Array.from({ length: connections }, loop)).then(() => {
  agent.destroy();
  parentPort.postMessage({ lat, errors });
});
`;
