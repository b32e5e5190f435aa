/**
 * The spool against a fake Kyoka server that is down, then up but losing its first answer,
 * then healthy: every event arrives, with the same ULID on every retry (so the server stores it
 * once), and segments are deleted only after a 2xx.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildRecord, pyDumps } from './format.ts';
import { SpoolHandler } from './spool.ts';

function line(user: string): string {
  return pyDumps(
    buildRecord('n1', { src_host: '203.0.113.5', src_port: 4000, dst_host: '10.0.0.1', dst_port: 21 }, 2000, {
      USERNAME: user,
      PASSWORD: 'x',
    }),
  );
}

test('events survive a server outage and a lost answer, and arrive once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-spool-'));
  const keepAlive = setInterval(() => {}, 1000); // the spool's retry timer is unref'd (services keep a sensor alive)
  // reserve a port, then close it: the server is "down"
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const counts = new Map<string, number>();
  let failures = 0;
  let onFailure: () => void = () => {};
  const spool = new SpoolHandler({
    dir,
    serverUrl: `http://127.0.0.1:${port}`,
    apiKey: () => 'k_test',
    lingerMs: 10,
    retryMaxMs: 100,
    env: {
      count: (w) => {
        if (w === 'spool_send_failed') {
          failures++;
          onFailure();
        }
        counts.set(w, (counts.get(w) ?? 0) + 1);
      },
      debug: () => {},
      stateDir: dir,
    },
  });
  spool.handle(line('alice'));
  spool.handle(line('bob'));
  await new Promise<void>((r) => {
    onFailure = r;
  });
  assert.ok(failures >= 1);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.seg')).length, 1, 'kept on disk while the server is down');
  spool.handle(line('carol'));

  const batches: Array<Array<{ id: string; user?: { name: string }; kyoka: any }>> = [];
  let requests = 0;
  let done: () => void = () => {};
  const allIn = new Promise<void>((r) => {
    done = r;
  });
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      assert.equal(req.url, '/api/v1/events');
      assert.equal(req.headers.authorization, 'Bearer k_test');
      batches.push(
        body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      );
      requests++;
      if (requests === 1) {
        req.socket.destroy(); // stored, but the answer is lost: the sensor must retry with the same ids
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
      const ids = new Set(batches.flat().map((e) => e.id));
      if (ids.size === 3 && readdirSync(dir).every((f) => !f.endsWith('.seg'))) done();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const check = setInterval(() => {
    if (batches.length >= 2 && readdirSync(dir).filter((f) => f.endsWith('.seg') || f.endsWith('.open')).length === 0)
      done();
  }, 20);
  await allIn;
  clearInterval(check);

  const all = batches.flat();
  const byId = new Map<string, string>();
  for (const e of all) {
    const name = e.user?.name ?? '';
    if (byId.has(e.id)) assert.equal(byId.get(e.id), name, 'a retried event keeps its id');
    byId.set(e.id, name);
  }
  assert.deepEqual([...byId.values()].sort(), ['alice', 'bob', 'carol']);
  assert.equal(batches[0]?.[0]?.kyoka.opencanary.logtype, 2000, 'normalized by the core OpenCanary parser');
  assert.equal(requests >= 2, true);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.seg')),
    [],
    'segments deleted after the 2xx',
  );
  await spool.close();
  await new Promise<void>((r) => server.close(() => r()));
  clearInterval(keepAlive);
  rmSync(dir, { recursive: true, force: true });
});
