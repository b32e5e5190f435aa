/** Syslog TCP listener limits (connection caps, silent connections) and framing resync, on a real socket. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import tls from 'node:tls';
import type { ServerContext } from '../context.ts';
import { createMetrics } from '../metrics/index.ts';
import type { DecodedRecord } from './decode.ts';
import { type SyslogListeners, startSyslog } from './syslog-server.ts';

interface Limits {
  maxConnections?: number;
  maxConnectionsPerSource?: number;
  firstMessageTimeoutSec?: number;
  tls?: { cert: string; key: string };
}

/** A throwaway self-signed certificate (openssl), or null when openssl is missing. */
function selfSigned(): { cert: string; key: string; dir: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-syslog-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost'].concat([
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), dir };
}

/** startSyslog over a stub ingest core that records what reaches it. */
async function listen(limits: Limits = {}) {
  const metrics = createMetrics();
  const received: string[] = [];
  const malformed: string[] = [];
  const ctx = {
    config: {
      syslog: {
        host: '127.0.0.1',
        udp: { enabled: false, port: 0 },
        tcp: {
          enabled: true,
          port: 0,
          maxConnections: limits.maxConnections ?? 1000,
          maxConnectionsPerSource: limits.maxConnectionsPerSource ?? 100,
          ...(limits.tls ? { tls: limits.tls } : {}),
        },
        maxMessageBytes: 65_536,
        idleTimeoutSec: 300,
        firstMessageTimeoutSec: limits.firstMessageTimeoutSec ?? 30,
      },
    },
    metrics,
    ingest: {
      prepare: (records: DecodedRecord[]) => {
        for (const r of records) received.push(String(r.value));
        return { events: records };
      },
      malformed: (_source: string, reason: string) => malformed.push(reason),
      accepted: () => {},
      writer: { enqueue: () => true, crowded: false, onRoom: () => {} },
      stats: { register: () => {} },
    },
  } as unknown as ServerContext;
  const l = await startSyslog(ctx);
  const refused = async (reason: string) =>
    (await metrics.syslogRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  const open = async () => (await metrics.syslogConnections.get()).values[0]?.value ?? 0;
  return { l, port: l.tcpPort as number, received, malformed, refused, open };
}

/** A client connection and a promise of its close (by either side). */
async function connect(port: number, localAddress = '127.0.0.1') {
  const s = net.connect({ host: '127.0.0.1', port, localAddress });
  s.on('error', () => {});
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  await new Promise<void>((r, j) => {
    s.once('connect', () => r());
    s.once('error', j);
  });
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  return { s, closed, isClosed: () => isClosed };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('syslog TCP listener', () => {
  const listeners: SyslogListeners[] = [];
  after(async () => {
    await Promise.all(listeners.map((l) => l.close()));
  });

  it('caps connections per source address, counts refusals, and frees a slot on close', async () => {
    const t = await listen({ maxConnectionsPerSource: 2 });
    listeners.push(t.l);
    const a1 = await connect(t.port, '127.0.0.1');
    const a2 = await connect(t.port, '127.0.0.1');
    const b1 = await connect(t.port, '127.0.0.2');
    const b2 = await connect(t.port, '127.0.0.2');
    const a3 = await connect(t.port, '127.0.0.1');
    await a3.closed; // closed by the server on accept
    await until(async () => (await t.refused('per_source')) === 1);
    await until(async () => (await t.open()) === 4);
    assert.ok(!a1.isClosed() && !a2.isClosed() && !b1.isClosed() && !b2.isClosed());
    a1.s.destroy();
    await until(async () => (await t.open()) === 3);
    const a4 = await connect(t.port, '127.0.0.1');
    a4.s.write('<13>from a4\n');
    await until(() => t.received.includes('<13>from a4'));
    assert.ok(!a4.isClosed());
    assert.equal(await t.refused('per_source'), 1);
    for (const c of [a2, b1, b2, a4]) c.s.destroy();
  });

  it('caps connections in total and counts refusals', async () => {
    const t = await listen({ maxConnections: 3 });
    listeners.push(t.l);
    const kept = [await connect(t.port), await connect(t.port, '127.0.0.2'), await connect(t.port, '127.0.0.3')];
    await until(async () => (await t.open()) === 3);
    const over = [await connect(t.port, '127.0.0.4'), await connect(t.port)];
    await Promise.all(over.map((c) => c.closed));
    await until(async () => (await t.refused('max_connections')) === 2);
    assert.ok(kept.every((c) => !c.isClosed()));
    for (const c of kept) c.s.destroy();
  });

  it('closes a connection that sends nothing after firstMessageTimeoutSec, not one that talks', async () => {
    const t = await listen({ firstMessageTimeoutSec: 1 });
    listeners.push(t.l);
    const silent = await connect(t.port);
    const talker = await connect(t.port);
    talker.s.write('<13>hello\n');
    const started = Date.now();
    await silent.closed;
    const waited = Date.now() - started;
    assert.ok(waited >= 800 && waited < 4000, `closed after ${waited} ms`);
    assert.equal(await t.refused('first_message_timeout'), 1);
    await sleep(700); // past the first-message timeout for the talker too
    assert.ok(!talker.isClosed(), 'a connection that sent something has the idle timeout');
    talker.s.destroy();
  });

  it('an octet count over the limit does not swallow the LF-framed messages after it', async () => {
    const t = await listen();
    listeners.push(t.l);
    const c = await connect(t.port);
    const lines = Array.from({ length: 2000 }, (_, i) => `<13>Jan  1 00:00:00 host app: message ${i}`);
    c.s.end(`999999 <13>x\n${lines.join('\n')}\n`);
    await c.closed;
    await until(() => t.received.length >= 2001);
    assert.deepEqual(t.received, ['<13>x', ...lines]);
    assert.deepEqual(t.malformed, ['framing']);
  });

  it('TLS: the per-source cap counts raw connections and frees them on close; a silent handshake is closed', async (t) => {
    const cert = selfSigned();
    if (!cert) {
      t.skip('openssl not installed');
      return;
    }
    try {
      const k = await listen({ maxConnectionsPerSource: 1, firstMessageTimeoutSec: 1, tls: cert });
      listeners.push(k.l);
      const secure = () =>
        new Promise<tls.TLSSocket>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: k.port, rejectUnauthorized: false }, () => resolve(s));
          s.once('error', reject);
        });
      const c1 = await secure();
      c1.write('<13>over tls\n');
      await until(() => k.received.includes('<13>over tls'));
      const c2 = await connect(k.port); // raw TCP: refused before any handshake
      await c2.closed;
      assert.equal(await k.refused('per_source'), 1);
      c1.destroy();
      await until(async () => (await k.open()) === 0);
      // the slot is free again; a client that never starts its handshake is closed
      const silent = await connect(k.port);
      await silent.closed;
      assert.equal(await k.refused('per_source'), 1);
      assert.equal(await k.refused('first_message_timeout'), 1);
      const c3 = await secure();
      c3.write('<13>again\n');
      await until(() => k.received.includes('<13>again'));
      c3.destroy();
    } finally {
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });
});
