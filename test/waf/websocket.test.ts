/**
 * WebSocket through `kyoka waf`: a real WebSocket server (ws) behind the WAF and a real client
 * (undici's WebSocket). Echo through the real backend, a deceived source tunnelled to the
 * sandbox, a banned source refused, an attack in the upgrade URL sandboxed and reported, a
 * backend refusal (401) relayed as written, a dead backend answered 502, and byte counts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createWaf, validateWafConfig, type Waf } from '@kyoka/waf';
import { WebSocket as Client } from 'undici';
import { WebSocketServer } from 'ws';
import { MapLookup, recorder, waitFor } from './helpers.ts';

interface WsBackend {
  url: string;
  /** X-Forwarded-For of each accepted upgrade. */
  forwardedFor: string[];
  close(): Promise<void>;
}

/** Echoes every message prefixed with its name; refuses upgrades to /private with 401. */
async function wsBackend(name: string): Promise<WsBackend> {
  const forwardedFor: string[] = [];
  const server = http.createServer((_req, res) => res.end(`${name} http`));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/private') {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    forwardedFor.push(String(req.headers['x-forwarded-for']));
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (m, binary) => ws.send(binary ? m : `${name}:${m.toString()}`, { binary }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    forwardedFor,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Opens a client, sends `msg`, resolves with the first reply (or rejects with the close/error). */
function roundTrip(url: string, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new Client(url);
    ws.addEventListener('open', () => ws.send(msg));
    ws.addEventListener('message', (e) => {
      resolve(String(e.data));
      ws.close();
    });
    ws.addEventListener('error', () => reject(new Error('websocket error')));
    ws.addEventListener('close', (e) => reject(new Error(`closed ${e.code}`)));
  });
}

/** The raw answer to a hand-written upgrade request (for refusals a WebSocket client hides). */
function rawUpgrade(port: number, path: string, from = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let got = '';
    s.on('data', (c) => {
      got += c.toString('latin1');
    });
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(
      `GET ${path} HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

describe('waf websocket', () => {
  let real: WsBackend;
  let sandbox: WsBackend;
  let waf: Waf;
  const lookup = new MapLookup();
  const rec = recorder(lookup);
  let port = 0;
  let downPort = 0;

  before(async () => {
    real = await wsBackend('REAL');
    sandbox = await wsBackend('SANDBOX');
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as net.AddressInfo).port}`;
    await new Promise((r) => dead.close(r));
    const cfg = validateWafConfig({
      sites: [
        { name: 'ws', listen: { port: 0 }, backend: real.url, sandbox: sandbox.url, action: 'deceive' },
        { name: 'down', listen: { port: 0 }, backend: deadUrl, sandbox: sandbox.url },
      ],
      deceive_duration: '1h',
    });
    waf = await createWaf(cfg, rec.hooks);
    port = waf.addresses().find((a) => a.site === 'ws')?.port as number;
    downPort = waf.addresses().find((a) => a.site === 'down')?.port as number;
  });

  after(async () => {
    await waf.close();
    await real.close();
    await sandbox.close();
  });

  it('tunnels a WebSocket to the real backend, both ways, with X-Forwarded-For', async () => {
    assert.equal(await roundTrip(`ws://127.0.0.1:${port}/chat`, 'hello'), 'REAL:hello');
    assert.equal(real.forwardedFor.at(-1), '127.0.0.1');
    const st = waf.stats().find((s) => s.site === 'ws');
    assert.ok(st && st.upgrades >= 1 && st.sandboxed === 0);
    await waitFor(() => (waf.stats().find((s) => s.site === 'ws')?.bytes_in ?? 0) > 0, 5000, 'byte counts');
  });

  it('sends a source the server deceives to the sandbox; a banned one gets 403', async () => {
    lookup.map.set('127.0.0.2', 'deceive');
    lookup.map.set('127.0.0.3', 'ban');
    const viaSandbox = await new Promise<string>((resolve, reject) => {
      // undici's WebSocket cannot bind a source address: speak the handshake from 127.0.0.2 by hand
      const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
      s.on('error', reject);
      s.once('data', (c) => {
        resolve(c.toString('latin1'));
        s.destroy();
      });
      s.write(
        'GET /chat HTTP/1.1\r\nHost: ws.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
    });
    assert.match(viaSandbox, /^HTTP\/1\.1 101 /);
    assert.equal(sandbox.forwardedFor.at(-1), '127.0.0.2');
    const banned = await rawUpgrade(port, '/chat', '127.0.0.3');
    assert.match(banned, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.ok(!real.forwardedFor.includes('127.0.0.3') && !sandbox.forwardedFor.includes('127.0.0.3'));
  });

  it('an attack in the upgrade request is sandboxed, reported and logged as an event', async () => {
    const reply = await roundTrip(
      `ws://127.0.0.1:${port}/chat?q=1%27%20UNION%20SELECT%20password%20FROM%20users--`,
      'x',
    );
    assert.equal(reply, 'SANDBOX:x');
    assert.ok(rec.reports.some((r) => r.value === '127.0.0.1' && r.type === 'deceive'));
    const ev = await waitFor(
      () =>
        rec.events.find(
          (e) => (e.kyoka?.waf as { sandboxed?: boolean } | undefined)?.sandboxed && e.source?.ip === '127.0.0.1',
        ),
      5000,
      'event',
    );
    assert.deepEqual((ev.rule as { category?: string[] } | undefined)?.category, ['sqli']);
    // the source is now marked: a clean upgrade goes to the sandbox too
    assert.equal(await roundTrip(`ws://127.0.0.1:${port}/chat`, 'again'), 'SANDBOX:again');
  });

  it("relays a backend's refusal as written, and answers 502 for a dead backend", async () => {
    const refused = await rawUpgrade(downPort, '/chat', '127.0.0.6'); // 127.0.0.1 is sandboxed by now
    assert.match(refused, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.equal(waf.stats().find((s) => s.site === 'down')?.upstream_errors, 1);
    const unauthorized = await rawUpgrade(port, '/private', '127.0.0.5');
    assert.match(unauthorized, /^HTTP\/1\.1 401 Unauthorized\r\n/);
  });
});
