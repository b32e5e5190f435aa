/**
 * The push stream paces its catch-up by the socket instead of dropping a slow reader: a reset
 * of 30,000 decisions to a client that reads slowly, with a per-client buffer limit far below
 * the snapshot's size, arrives whole (then `synced`, then a live change). Before, the limit
 * dropped such a client mid-reset and it reconnected into the same reset forever.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { DecisionRow } from './db.ts';
import type { DecisionService } from './service.ts';
import { streamRoute } from './sse.ts';
import type { Change } from './store.ts';

const row = (id: number): DecisionRow => ({
  id,
  uuid: `u${id}`,
  value: `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`,
  scope: 'Ip',
  type: 'ban',
  origin: 'kyoka',
  reason: 'test',
  scenario: 'kyoka-test',
  offence: 1,
  created_at: Date.now(),
  updated_at: Date.now(),
  expires_at: Date.now() + 3_600_000,
  deleted_at: null,
});

test('a reset far larger than the buffer limit reaches a slow reader whole', async () => {
  const N = Number(process.env.SSE_N ?? 30_000);
  const rows = Array.from({ length: N }, (_, i) => row(i + 1));
  const subs = new Set<(c: Change) => void>();
  const svc = {
    seq: N,
    snapshot: () => rows,
    recent: () => null,
    subscribe(fn: (c: Change) => void) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
    store: { changesSince: async () => [] },
  } as unknown as DecisionService;
  const app = Fastify();
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    (req as unknown as { principal: unknown }).principal = { kind: 'key', role: 'agent', name: 't' };
  });
  streamRoute(app, svc, { maxBufferBytes: 64 * 1024, heartbeatMs: 60_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;

  const got = await new Promise<{ decisions: number; synced: boolean; live: boolean }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/decisions/stream' }, (res) => {
      assert.equal(res.statusCode, 200);
      const MARK = 'event: decision.new';
      let carry = ''; // the end of the previous chunk, shorter than MARK: frames split across chunks
      let decisions = 0;
      let synced = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const text = carry + chunk;
        decisions += text.split(MARK).length - 1;
        if (!synced && text.includes('event: synced')) {
          synced = true;
          // a live change after the catch-up goes out at once
          for (const fn of subs) fn({ seq: N + 1, kind: 'new', decision: row(N + 1) });
        }
        if (synced && decisions > N) {
          resolve({ decisions, synced, live: true });
          req.destroy();
          return;
        }
        carry = text.slice(-(MARK.length - 1));
        // read slowly: pause after every chunk, so the server's buffer would overflow without pacing
        res.pause();
        setTimeout(() => res.resume(), 1);
      });
      res.on('close', () => reject(new Error(`closed after ${decisions} decisions, synced=${synced}`)));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(got, { decisions: N + 1, synced: true, live: true });
  await app.close();
});
