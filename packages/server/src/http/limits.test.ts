/**
 * Connection limits on a real listener (raw sockets, as the hostile tester sent them): a body
 * trickled slower than the request timeout gets 408, connections past the total or
 * per-address cap are closed on accept (and counted), and closing with a deadline ends even
 * while a client is still sending.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { closeWithDeadline, httpTimeoutOptions, limitConnections } from './limits.ts';

const LIMITS = { requestTimeoutSec: 1, maxConnections: 6, maxConnectionsPerSource: 3, shutdownTimeoutSec: 1 };

async function server(limits: typeof LIMITS, metrics: Metrics): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ ...httpTimeoutOptions(limits) }) as unknown as FastifyInstance;
  limitConnections(app.server, limits, metrics, 'test');
  app.post('/in', async (req) => ({ got: String(req.body ?? '').length }));
  app.get('/ok', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return { app, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

/** Opens a socket; resolves with it once connected and reports whether the server closed it. */
function open(port: number): Promise<{ sock: Socket; data: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const sock = connect(port, '127.0.0.1');
    sock.on('data', (d) => {
      data += d;
    });
    sock.on('error', () => {});
    const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now() - started)));
    sock.once('connect', () => resolve({ sock, data: () => data, closed }));
    sock.once('error', reject);
  });
}

/** True when the server answers on this socket (a closed-on-accept one never does). */
async function answers(c: { sock: Socket; data: () => string; closed: Promise<number> }): Promise<boolean> {
  c.sock.write('GET /ok HTTP/1.1\r\nhost: x\r\n\r\n');
  const t = await Promise.race([
    c.closed.then(() => 'closed'),
    new Promise<string>((r) => {
      const iv = setInterval(() => {
        if (c.data().includes('"ok":true')) {
          clearInterval(iv);
          r('answered');
        }
      }, 10);
      setTimeout(() => {
        clearInterval(iv);
        r('silent');
      }, 2000);
    }),
  ]);
  return t === 'answered';
}

const refused = async (m: Metrics, reason: string) =>
  (await m.connectionsRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('HTTP connection limits', () => {
  let metrics: Metrics;
  let s: { app: FastifyInstance; port: number };
  before(async () => {
    metrics = createMetrics();
    s = await server(LIMITS, metrics);
  });
  after(() => s?.app.close());

  it('answers 408 and closes a connection whose body trickles past the request timeout', async () => {
    const c = await open(s.port);
    c.sock.write('POST /in HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n');
    const drip = setInterval(() => c.sock.write('a'), 200);
    const ms = await c.closed;
    clearInterval(drip);
    assert.match(c.data(), /^HTTP\/1\.1 408/);
    assert.ok(ms >= 900 && ms < 3000, `closed after ${ms} ms`);
  });

  it('closes connections past the per-address cap on accept, counts them, and frees the slot on close', async () => {
    const held = await Promise.all([1, 2, 3].map(() => open(s.port)));
    const extra = await open(s.port);
    assert.equal(await answers(extra), false, 'the 4th connection from one address is closed');
    assert.equal(await refused(metrics, 'per_source'), 1);
    assert.equal(await answers(held[0] as (typeof held)[0]), true, 'the held ones still work');
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    await new Promise((r) => setTimeout(r, 50));
    const again = await open(s.port);
    assert.equal(await answers(again), true);
    again.sock.destroy();
  });

  it('closes connections past the total cap on accept and counts them', async () => {
    const m = createMetrics();
    const t = await server({ ...LIMITS, maxConnections: 4, maxConnectionsPerSource: 0 }, m);
    const held = await Promise.all([1, 2, 3, 4].map(() => open(t.port)));
    const extra = await open(t.port);
    assert.equal(await answers(extra), false);
    assert.equal(await refused(m, 'max_connections'), 1);
    for (const h of held) h.sock.destroy();
    await t.app.close();
  });

  it('closeWithDeadline returns within the grace period although a client is still sending', async () => {
    const m = createMetrics();
    const t = await server({ ...LIMITS, requestTimeoutSec: 600 }, m);
    const c = await open(t.port);
    c.sock.write('POST /in HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n');
    const drip = setInterval(() => c.sock.write('a'), 100);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await closeWithDeadline(t.app, 500);
    const took = Date.now() - started;
    await c.closed;
    clearInterval(drip);
    assert.ok(took >= 450 && took < 2500, `closed in ${took} ms`);
    assert.equal(t.app.server.listening, false);
  });
});
