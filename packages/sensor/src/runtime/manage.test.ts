/**
 * Central management against a fake server speaking the enroll/heartbeat protocol: one-time
 * enrollment (key kept 0600, never enrolled again), the server's config applied live on a
 * heartbeat and persisted, and used at the next start while the server is unreachable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSensor } from './run.ts';

function banner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', reject);
  });
}

test('enroll once, heartbeat applies the server config live, last-known config used when the server is away', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-mgmt-'));
  const calls: Array<{ url: string; auth?: string; body: any }> = [];
  let nextConf: Record<string, unknown> | null = null;
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => {
      b += d;
    });
    req.on('end', () => {
      if (req.url === '/api/v1/events') return res.writeHead(200).end('{}'); // the spool's shipments
      const body = b ? JSON.parse(b) : null;
      calls.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/sensors/enroll') {
        if (body.token !== 'tok-1') return res.writeHead(401).end('{"message":"bad token"}');
        return res.end(
          JSON.stringify({
            sensor_id: 's1',
            api_key: 'k_sensor',
            conf: { 'ftp.banner': 'from enroll' },
            config_version: 1,
          }),
        );
      }
      if (req.url === '/api/v1/sensors/heartbeat') {
        const conf = nextConf;
        nextConf = null;
        return res.end(JSON.stringify({ config_version: conf ? 2 : 1, conf }));
      }
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const values = {
    'device.node_id': 'm1',
    'device.listen_addr': '127.0.0.1',
    'kyoka.state_dir': join(dir, 'state'),
    'kyoka.heartbeat_seconds': 3600,
    'ftp.enabled': true,
    'ftp.port': 0,
  };
  const s1 = await runSensor({ version: '9.9', values, allowPortZero: true, serverUrl: url, enrollToken: 'tok-1' });
  try {
    const enrollCall = calls.find((c) => c.url.endsWith('/enroll'));
    assert.deepEqual(
      { ...enrollCall?.body, hostname: 'h' },
      {
        token: 'tok-1',
        name: 'm1',
        hostname: 'h',
        version: '9.9',
        services: [{ name: 'ftp', port: 0, transport: 'tcp' }],
      },
    );
    const creds = join(dir, 'state', 'server.json');
    assert.equal(statSync(creds).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(creds, 'utf8')).api_key, 'k_sensor');
    const p1 = s1.status()[0]?.ports[0]?.port as number;
    assert.equal(await banner(p1), '220 from enroll\r\n');

    // the first heartbeat went out at start; one more now, carrying a new config
    nextConf = { 'ftp.banner': 'from template' };
    await s1.heartbeat?.();
    const hb = calls.filter((c) => c.url.endsWith('/heartbeat'));
    assert.equal(hb.at(-1)?.auth, 'Bearer k_sensor');
    assert.equal(hb.at(-1)?.body.version, '9.9');
    assert.equal(hb.at(-1)?.body.services[0].name, 'ftp');
    assert.equal(hb.at(-1)?.body.services[0].status, 'running');
    assert.equal(typeof hb.at(-1)?.body.stats.events_total, 'number');
    const p2 = s1.status()[0]?.ports[0]?.port as number;
    assert.equal(await banner(p2), '220 from template\r\n');
    assert.equal(
      JSON.parse(readFileSync(join(dir, 'state', 'last-config.json'), 'utf8')).conf['ftp.banner'],
      'from template',
    );
  } finally {
    await s1.stop();
  }
  await new Promise<void>((r) => server.close(() => r()));

  // server gone: no enroll again (no token needed), last-known config in force
  const before = calls.length;
  const s2 = await runSensor({ version: '9.9', values, allowPortZero: true, serverUrl: url });
  try {
    assert.equal(await banner(s2.status()[0]?.ports[0]?.port as number), '220 from template\r\n');
    assert.equal(calls.length, before);
  } finally {
    await s2.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
