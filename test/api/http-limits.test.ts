/**
 * `kyoka start` against slow and greedy clients: a trickled body times out (408), one address
 * cannot hold more than its share of connections, and SIGTERM with a client still sending
 * exits within http.shutdownTimeoutSec instead of waiting for that client.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, kyokaCli, startKyoka } from '../helpers/kyoka.ts';
import { rawConnect, startPost } from '../helpers/raw-http.ts';

describe('HTTP limits', () => {
  let k: Kyoka;
  before(async () => {
    k = await startKyoka({
      env: { KYOKA_HTTP_REQUEST_TIMEOUT_SEC: '2', KYOKA_HTTP_MAX_CONNECTIONS_PER_SOURCE: '20' },
    });
  });
  after(() => k?.stop());

  it('answers 408 and closes a request whose body arrives at a byte a second', async () => {
    const c = await startPost(k.url, '/api/v1/events', 1000, { authorization: `Bearer ${k.ingestKey}` }, '');
    const drip = setInterval(() => c.sock.write(' '), 1000);
    const ms = await c.closed;
    clearInterval(drip);
    assert.match(c.received(), /^HTTP\/1\.1 408/);
    assert.ok(ms < 6000, `closed after ${ms} ms`);
  });

  it('closes connections past http.maxConnectionsPerSource and keeps serving', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => rawConnect(k.url)));
    const extra = await rawConnect(k.url);
    assert.ok((await extra.closed) < 2000, 'the 21st connection is closed on accept');
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await fetch(`${k.url}/healthz`)).status, 200);
    const metrics = await (
      await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })
    ).text();
    assert.match(metrics, /kyoka_http_connections_refused_total\{listener="api",reason="per_source"\} [1-9]/);
  });
});

describe('shutdown with a client still sending', () => {
  it('SIGTERM exits within http.shutdownTimeoutSec (plus the store close)', async () => {
    const k = await startKyoka({
      env: { KYOKA_HTTP_REQUEST_TIMEOUT_SEC: '600', KYOKA_HTTP_SHUTDOWN_TIMEOUT_SEC: '1' },
    });
    try {
      const c = await startPost(k.url, '/api/v1/events', 100_000, { authorization: `Bearer ${k.ingestKey}` }, '');
      const drip = setInterval(() => c.sock.write(' '), 200);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      const exited = new Promise<number | null>((r) => k.proc.once('exit', (code) => r(code)));
      k.proc.kill('SIGTERM');
      const code = await exited;
      const took = Date.now() - started;
      clearInterval(drip);
      c.sock.destroy();
      assert.equal(code, 0, k.output());
      assert.ok(took < 6000, `exited after ${took} ms`);
      assert.match(k.output(), /stopping/);
    } finally {
      await k.stop();
    }
  });

  it('SIGTERM with a decision stream open exits at once, not after the deadline', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyoka-test-'));
    const bouncer = kyokaCli(['keys', 'create', '--name', 'b', '--role', 'bouncer', '--data', dataDir]).trim();
    const k = await startKyoka({ dataDir });
    const ac = new AbortController();
    try {
      const r = await fetch(`${k.url}/api/v1/decisions/stream`, {
        headers: { authorization: `Bearer ${bouncer}` },
        signal: ac.signal,
      });
      assert.equal(r.status, 200);
      const started = Date.now();
      const exited = new Promise<number | null>((res) => k.proc.once('exit', (code) => res(code)));
      k.proc.kill('SIGTERM');
      assert.equal(await exited, 0, k.output());
      const took = Date.now() - started;
      assert.ok(took < 5000, `exited after ${took} ms (http.shutdownTimeoutSec is 10 s)`);
    } finally {
      ac.abort();
      await k.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
