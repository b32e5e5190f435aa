/**
 * Central sensor management against a real `kyoka start`: enrollment token (API and CLI) →
 * enroll → heartbeat → template assign → the next heartbeat carries the conf (once); token
 * reuse and wrong keys are refused; template validation; a sensor that stops heartbeating
 * (1 s interval configured) goes offline with a searchable sensor.offline event and comes
 * back online with sensor.online.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminSession, type Kyoka, kyokaCli, searchUntil, startKyoka } from '../helpers/kyoka.ts';

let k: Kyoka;
let dataDir: string;
/** The admin's console session: cookie + CSRF token. */
let admin: { cookie: string; csrf: string };

async function call(method: string, path: string, body?: unknown, key: string | null | 'admin' = 'admin') {
  const headers: Record<string, string> = {};
  if (key === 'admin') Object.assign(headers, { cookie: admin.cookie, 'x-kyoka-csrf': admin.csrf });
  else if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${k.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const SERVICES = [
  { name: 'ssh', port: 2222, transport: 'tcp' },
  { name: 'ftp', port: 2121, transport: 'tcp' },
];

function enrollBody(token: string, name = 'edge-1') {
  return { token, name, hostname: 'edge-1.example', version: '0.1.0', services: SERVICES };
}

function heartbeat(key: string, configVersion: number, eventsTotal = 0) {
  return call(
    'POST',
    '/api/v1/sensors/heartbeat',
    {
      version: '0.1.0',
      services: SERVICES.map((s) => ({ ...s, status: 'running' })),
      stats: { events_total: eventsTotal, counters: { 'ssh.attempts': eventsTotal } },
      config_version: configVersion,
    },
    key,
  );
}

async function waitFor<T>(fn: () => Promise<T | null>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('sensor management API', () => {
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kyoka-sensors-'));
    k = await startKyoka({ dataDir, ingestKey: 'unused', env: { KYOKA_SENSORS_HEARTBEAT_SEC: '1' } });
    admin = await adminSession(k);
  });
  after(async () => {
    await k?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('enrolls with a one-time token, heartbeats, and receives an assigned template once', async () => {
    const t = await call('POST', '/api/v1/sensors/tokens', { name: 'from-token', ttl_seconds: 600 });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    assert.match(t.body.token, /^kyt_[A-Za-z0-9_-]{43}$/);
    assert.ok(Math.abs(Date.parse(t.body.expires_at) - Date.now() - 600_000) < 10_000);

    const e = await call('POST', '/api/v1/sensors/enroll', enrollBody(t.body.token), null);
    assert.equal(e.status, 200, JSON.stringify(e.body));
    assert.deepEqual(Object.keys(e.body).sort(), ['api_key', 'conf', 'config_version', 'sensor_id']);
    assert.match(e.body.api_key, /^kyk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
    assert.equal(e.body.conf, null);
    assert.equal(e.body.config_version, 0);
    const key = e.body.api_key as string;
    const id = e.body.sensor_id as string;

    // the token is spent
    const again = await call('POST', '/api/v1/sensors/enroll', enrollBody(t.body.token, 'edge-2'), null);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'KYOKA_E_UNAUTHENTICATED');

    let hb = await heartbeat(key, 0, 5);
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.deepEqual(hb.body, { config_version: 0, conf: null });

    const list = await call('GET', '/api/v1/sensors', undefined, k.readKey);
    assert.equal(list.status, 200);
    const s = list.body.sensors.find((x: { id: string }) => x.id === id);
    assert.equal(s.name, 'edge-1');
    assert.equal(s.hostname, 'edge-1.example');
    assert.equal(s.status, 'online');
    assert.equal(s.events_total, 5);
    assert.deepEqual(s.counters, { 'ssh.attempts': 5 });
    assert.deepEqual(
      s.services.map((x: { name: string; status: string }) => `${x.name}:${x.status}`),
      ['ssh:running', 'ftp:running'],
    );

    const conf = { 'ftp.enabled': true, 'ftp.port': 21, 'ftp.banner': 'FTP server ready', 'ssh.enabled': false };
    const tpl = await call('POST', '/api/v1/sensors/templates', { name: 'ftp-only', description: 'FTP', conf });
    assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
    assert.deepEqual(tpl.body.conf, conf);
    // analysts read templates but may not write them
    assert.equal((await call('GET', '/api/v1/sensors/templates', undefined, k.readKey)).status, 200);
    assert.equal((await call('POST', '/api/v1/sensors/templates', { name: 'x', conf }, k.readKey)).status, 403);

    const a = await call('POST', '/api/v1/sensors/assign', { template_id: tpl.body.id, sensor_ids: [id] });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body, { updated: 1 });

    hb = await heartbeat(key, 0, 7);
    assert.deepEqual(hb.body, { config_version: 1, conf });
    hb = await heartbeat(key, 1, 7);
    assert.deepEqual(hb.body, { config_version: 1, conf: null });

    // editing the template pushes it again
    const conf2 = { ...conf, 'ftp.port': 2100 };
    const put = await call('PUT', `/api/v1/sensors/templates/${tpl.body.id}`, { name: 'ftp-only', conf: conf2 });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    hb = await heartbeat(key, 1, 8);
    assert.deepEqual(hb.body, { config_version: 2, conf: conf2 });
    // an assigned template cannot be deleted
    assert.equal((await call('DELETE', `/api/v1/sensors/templates/${tpl.body.id}`)).status, 409);
  });

  it('refuses wrong keys, non-sensor keys and bad tokens', async () => {
    assert.equal((await heartbeat('kyk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', 0)).status, 401);
    assert.equal((await heartbeat('not-a-key', 0)).status, 401);
    assert.equal((await heartbeat(k.readKey, 0)).status, 403);
    const bad = await call('POST', '/api/v1/sensors/enroll', enrollBody('kyt_nope'), null);
    assert.equal(bad.status, 401);
    // token creation needs an admin
    assert.equal((await call('POST', '/api/v1/sensors/tokens', {}, k.readKey)).status, 403);
    assert.equal((await call('POST', '/api/v1/sensors/tokens', {}, null)).status, 401);
  });

  it('validates templates like the sensor validates its config', async () => {
    const r = await call('POST', '/api/v1/sensors/templates', {
      name: 'broken',
      conf: {
        'ftp.enabled': 'yes',
        'ftp.port': 21,
        'http.enabled': true,
        'http.port': 70000,
        'telnet.enabled': true,
        'telnet.port': 21,
        'ssh.enabled': true,
        'ssh.port': 21,
      },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.errors, [
      { key: 'ftp.enabled', message: 'must be true or false' },
      { key: 'http.port', message: 'must be an integer port from 1 to 65535' },
      { key: 'ssh.port', message: 'port 21/tcp is already used by telnet' },
    ]);
    // same port on UDP and TCP is fine
    const ok = await call('POST', '/api/v1/sensors/templates', {
      name: 'dns-ish',
      conf: { 'tftp.enabled': true, 'tftp.port': 69, 'tcpbanner_1.enabled': true, 'tcpbanner_1.port': 69 },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await call('POST', '/api/v1/sensors/templates', { name: 'dns-ish', conf: {} })).status, 409);
  });

  it('a CLI token enrolls; a silent sensor goes offline with an event, then back online', async () => {
    const token = kyokaCli([
      'sensors',
      'token',
      'create',
      '--name',
      'cli-sensor',
      '--ttl',
      '1h',
      '--data',
      dataDir,
    ]).trim();
    const e = await call('POST', '/api/v1/sensors/enroll', { ...enrollBody(token), name: '' }, null);
    assert.equal(e.status, 200, JSON.stringify(e.body));
    const id = e.body.sensor_id as string;
    const key = e.body.api_key as string;

    const offline = await waitFor(async () => {
      const l = await call('GET', '/api/v1/sensors', undefined, k.readKey);
      const s = l.body.sensors.find((x: { id: string }) => x.id === id);
      return s.status === 'offline' ? s : null;
    }, 'offline status');
    assert.equal(offline.name, 'cli-sensor');
    const found = await searchUntil(
      k,
      k.readKey,
      { q: 'event.action:sensor.offline and observer.name:cli-sensor' },
      (r) => r.total === 1,
    );
    assert.equal(found.total, 1);
    const ev = found.events[0] as Record<string, any>;
    assert.equal(ev.event.dataset, 'kyoka.sensor');
    assert.equal(ev.observer.hostname, 'edge-1.example');

    assert.equal((await heartbeat(key, 0)).status, 200);
    const online = await searchUntil(
      k,
      k.readKey,
      { q: 'event.action:sensor.online and observer.name:cli-sensor' },
      (r) => r.total === 1,
    );
    assert.equal(online.total, 1);
  });
});
