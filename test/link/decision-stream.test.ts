/**
 * The node side of the decision push stream (@kyoka/link DecisionStream) against a real
 * server: the first connect delivers the live set as one reset batch; decisions made through
 * the API arrive as deltas within milliseconds; a server restart is resumed without a reset
 * and without losing the decisions made while it was down; a node restarted while the server
 * is unreachable starts from its cache. Against a hostile stream: malformed frames are counted
 * and skipped, a reset cut off before `synced` is never delivered half.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DecisionBatch, DecisionStream } from '@kyoka/link';
import { client, until } from '../decisions/client.ts';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';

// a fixed admin password: the first-run one is printed only once, and the server restarts here
const ENV = { KYOKA_ADMIN_PASSWORD: 'link-test-Pw-9f3a1c' };
const dir = mkdtempSync(join(tmpdir(), 'kyoka-link-'));
let k: Kyoka;
let c: Awaited<ReturnType<typeof client>>;
let key: string;

before(async () => {
  k = await startKyoka({ dataDir: join(dir, 'data'), env: ENV });
  c = await client(k);
  key = await c.key('node-1', 'bouncer');
});
after(async () => {
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function collector() {
  const batches: DecisionBatch[] = [];
  return {
    batches,
    onBatch: (b: DecisionBatch) => {
      batches.push(b);
    },
    values: () => batches.flatMap((b) => b.added.map((d) => d.value)),
  };
}

describe('DecisionStream against a real server', () => {
  it('reset, deltas, restart-resume, and the cache while the server is away', async () => {
    await c.add('192.0.2.10', '4h');
    const got = collector();
    const cacheFile = join(dir, 'cache.json');
    const s = new DecisionStream({
      serverUrl: k.url,
      apiKey: () => key,
      onBatch: got.onBatch,
      cacheFile,
      retryMinMs: 100,
    });
    await s.start();
    await until(async () => got.batches.length >= 1, 'reset batch');
    assert.equal(got.batches[0]?.reset, true);
    assert.deepEqual(
      got.batches[0]?.added.map((d) => d.value),
      ['192.0.2.10'],
    );

    const t0 = performance.now();
    const made = await c.add('198.51.100.20', '1h', 'deceive');
    await until(async () => got.values().includes('198.51.100.20'), 'delta');
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `delivered in ${ms.toFixed(1)} ms`);
    const delta = got.batches.at(-1) as DecisionBatch;
    assert.equal(delta.reset, false);
    assert.equal(delta.added[0]?.type, 'deceive');

    const del = await fetch(`${k.url}/api/v1/decisions/${made.id}`, {
      method: 'DELETE',
      headers: await c.adminHeaders(),
    });
    assert.equal(del.status, 200);
    await until(async () => got.batches.some((b) => b.removed.some((d) => d.id === made.id)), 'removal');

    // server restart: decisions made while the node is disconnected arrive as deltas on resume
    await k.kill();
    const before = got.batches.length;
    k = await startKyoka({ dataDir: join(dir, 'data'), ingestKey: k.ingestKey, env: ENV });
    c = await client(k);
    await c.add('203.0.113.77', '2h');
    const s2url = k.url; // port changed: a node normally keeps its URL; point the running stream there
    await s.stop();
    const resumed = collector();
    const s2 = new DecisionStream({
      serverUrl: s2url,
      apiKey: () => key,
      onBatch: resumed.onBatch,
      cacheFile,
      retryMinMs: 100,
    });
    await s2.start();
    // first: the cached live set (reset), then the resumed delta — no server reset
    assert.equal(resumed.batches[0]?.reset, true);
    assert.deepEqual(resumed.batches[0]?.added.map((d) => d.value).sort(), ['192.0.2.10']);
    await until(async () => resumed.values().includes('203.0.113.77'), 'resumed delta');
    assert.ok(
      resumed.batches.slice(1).every((b) => !b.reset),
      'resumed with Last-Event-ID, no reset',
    );
    assert.ok(got.batches.length === before);
    await s2.stop();

    // the server is unreachable: the node starts from its cache alone
    await k.kill();
    const offline = collector();
    const s3 = new DecisionStream({
      serverUrl: s2url,
      apiKey: () => key,
      onBatch: offline.onBatch,
      cacheFile,
      retryMinMs: 100,
    });
    await s3.start();
    assert.deepEqual(offline.values().sort(), ['192.0.2.10', '203.0.113.77']);
    assert.equal(s3.status().connected, false);
    await s3.stop();
    k = await startKyoka({ dataDir: join(dir, 'data'), ingestKey: k.ingestKey, env: ENV });
  });
});

describe('DecisionStream against a hostile stream', () => {
  it('skips malformed frames and never delivers a reset cut off before synced', async () => {
    let conn = 0;
    const srv = createServer((req, res) => {
      conn++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const view = (id: number, value: string) =>
        JSON.stringify({
          id,
          uuid: `u${id}`,
          value,
          scope: 'Ip',
          type: 'ban',
          origin: 'x',
          reason: '',
          scenario: '',
          offence: 1,
          created_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 60_000).toISOString(),
          deleted_at: null,
          remaining_ms: 60_000,
        });
      if (conn === 1) {
        res.write(
          `event: reset\ndata: {}\n\nevent: decision.new\ndata: ${view(1, '192.0.2.1')}\n\nevent: decision.new\ndata: {not json\n\n`,
        );
        setTimeout(() => res.destroy(), 50); // cut before synced
      } else {
        assert.equal(req.headers['last-event-id'], undefined, 'no position yet: a fresh reset');
        res.write(
          `event: reset\ndata: {}\n\nevent: decision.new\ndata: ${view(2, '192.0.2.2')}\n\nevent: decision.new\ndata: {"id":"x"}\n\nid: 5\nevent: synced\ndata: {}\n\n`,
        );
        res.write(`id: 6\nevent: decision.new\ndata: ${view(3, '192.0.2.3')}\n\n`);
      }
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const got = collector();
    const s = new DecisionStream({
      serverUrl: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      apiKey: () => 'k',
      onBatch: got.onBatch,
      retryMinMs: 50,
    });
    await s.start();
    await until(async () => got.values().includes('192.0.2.3'), 'second connection', 5000);
    assert.ok(!got.values().includes('192.0.2.1'), 'the cut reset was discarded');
    assert.equal(got.batches[0]?.reset, true);
    // the reset carries the live set as of delivery (here the later delta came in the same read)
    assert.ok(got.batches[0]?.added.some((d) => d.value === '192.0.2.2'));
    assert.equal(s.status().malformed, 2);
    assert.equal(s.status().last_seq, 6);
    await s.stop();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  });
});
