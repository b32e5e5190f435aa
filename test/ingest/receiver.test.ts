/** A log source with its own HTTP receiver port, fed the seed-000 mitmproxy payload. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { startPost } from '../helpers/raw-http.ts';

// Exactly what the seed's addon sends (requests.post(SIEM_URL, json=log)).
const SEED_REQUEST = {
  eventName: 'HTTPRequest',
  eventCategory: 'ExternalCommunication',
  timestamp: '2025-01-06T15:35:28.440548Z',
  sourceIP: '192.168.87.6',
  destinationIP: '3.165.102.8',
  destinationPort: 443,
  method: 'GET',
  url: 'https://www.hsbc.com.hk/zh-hk/',
  status: null,
  bytes: 0,
};

function hasPythonRequests(): boolean {
  try {
    execFileSync('python3', ['-c', 'import requests'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('log-source HTTP receiver (QRadar-style)', () => {
  let k: Kyoka;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-cfg-'));
    const cfg = join(dir, 'kyoka.yaml');
    writeFileSync(
      cfg,
      [
        'receivers:',
        '  - name: mitmproxy',
        '    type: webproxy',
        '    port: 0',
        '    allow: [127.0.0.1/32, "::1"]',
      ].join('\n'),
    );
    k = await startKyoka({ configFile: cfg });
  });
  after(() => k?.stop());

  it('accepts the seed-000 payload on any path from an allowed address', async () => {
    const port = k.receivers.mitmproxy;
    assert.ok(port, k.output());
    const response = {
      ...SEED_REQUEST,
      eventName: 'HTTPResponse',
      status: 200,
      bytes: 5120,
      timestamp: '2025-01-06T15:35:28.640548Z',
    };
    if (hasPythonRequests()) {
      const py = `import requests,json,sys\nfor log in json.loads(sys.argv[2]):\n  r=requests.post(sys.argv[1], json=log, headers={'Content-Type':'application/json'})\n  assert r.status_code==200, r.text`;
      execFileSync('python3', ['-c', py, `http://127.0.0.1:${port}`, JSON.stringify([SEED_REQUEST, response])]);
    } else {
      for (const log of [SEED_REQUEST, response]) {
        const r = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(log),
        });
        assert.equal(r.status, 200);
      }
    }
    const r = await fetch(`http://127.0.0.1:${port}/some/other/path`, {
      method: 'POST',
      body: JSON.stringify({ ...SEED_REQUEST, url: 'http://example.org/x?y=1' }),
    });
    assert.equal(r.status, 200, await r.text());
    const res = await searchUntil(
      k,
      k.readKey,
      { q: 'kyoka.source:mitmproxy', from: '2025-01-01T00:00:00Z', order: 'asc' },
      (x) => x.total >= 3,
    );
    assert.equal(res.total, 3);
    const evs = res.events as Record<string, any>[];
    const req = evs.find((e) => e.url.domain === 'www.hsbc.com.hk' && e.event.action === 'http.request') as Record<
      string,
      any
    >;
    const resp = evs.find((e) => e.event.action === 'http.response') as Record<string, any>;
    assert.ok(req && resp, JSON.stringify(evs));
    assert.equal(req['@timestamp'], '2025-01-06T15:35:28.440Z');
    assert.equal(req.source.ip, '192.168.87.6');
    assert.equal(req.destination.ip, '3.165.102.8');
    assert.equal(req.destination.port, 443);
    assert.equal(req.url.domain, 'www.hsbc.com.hk');
    assert.equal(req.http.request.method, 'GET');
    assert.equal(resp.http.response.status_code, 200);
    assert.equal(resp.http.response.body.bytes, 5120);
    assert.deepEqual(JSON.parse(req.event.original), SEED_REQUEST);
  });

  it("refuses keys that are not the receiver's and counts the refusal", async () => {
    const port = k.receivers.mitmproxy;
    const r = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}` },
      body: JSON.stringify(SEED_REQUEST),
    });
    assert.equal(r.status, 401);
    const metrics = await (
      await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })
    ).text();
    assert.match(metrics, /kyoka_ingest_rejected_requests_total\{source="mitmproxy",reason="auth"\} 1/);
  });

  it('refuses a wrong key before reading the body (32 MiB announced, a few bytes sent)', async () => {
    const c = await startPost(`http://127.0.0.1:${k.receivers.mitmproxy}`, '/', 32 * 1024 * 1024, {
      authorization: `Bearer ${k.ingestKey}`,
    });
    assert.equal(await c.status(5000), 401, c.received());
    c.sock.destroy();
  });
});
