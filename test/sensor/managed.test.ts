/**
 * A managed sensor end to end, as two real processes: `kyoka start` (server) and `kyoka sensor
 * --server URL --enroll-token T`. The sensor enrolls with a CLI-made token; an FTP login attempt
 * is searchable with normalized fields; the console API lists the sensor online with its
 * services; a template assigned to it starts redis live in the same process; events made while
 * the server is down are spooled and arrive exactly once after it restarts on the same data dir;
 * a killed sensor is marked offline with a sensor.offline event.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KYOKA_BIN, type Kyoka, kyokaCli, ROOT, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { consoleApi, ftpLogin, waitFor } from '../helpers/sensor-flow.ts';

const HB_ENV = { KYOKA_SENSORS_HEARTBEAT_SEC: '1' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

let k: Kyoka;
let serverPort = 0;
let dir = '';
let sensor: ChildProcess | null = null;
let sensorOut = '';
let sensorExit: Promise<number | null> = Promise.resolve(null);
let ftpPort = 0;

const { login, api, assignTemplate } = consoleApi(() => k);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyoka-managed-'));
  k = await startKyoka({ env: HB_ENV, dataDir: join(dir, 'data') });
  serverPort = Number(new URL(k.url).port);
});

after(async () => {
  if (sensor && sensor.exitCode === null && sensor.signalCode === null) sensor.kill('SIGKILL');
  await sensorExit;
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('managed sensor: enroll, events, live template, spool across a server restart, offline', async () => {
  try {
    await scenario();
  } catch (err) {
    (err as Error).message += `\n--- sensor output ---\n${sensorOut.slice(-4000)}`;
    throw err;
  }
});

const T0 = Date.now();
const mark = (m: string) => process.env.TEST_TIMING && console.error(`${Date.now() - T0} ms: ${m}`);

async function scenario(): Promise<void> {
  mark('server up');
  await login();
  const token = kyokaCli(['sensors', 'token', 'create', '--name', 'edge-7', '--data', k.dataDir]).trim();
  ftpPort = await freePort();
  const conf = join(dir, 'opencanary.conf');
  writeFileSync(
    conf,
    JSON.stringify({
      'device.node_id': 'edge-7',
      'device.listen_addr': '127.0.0.1',
      'kyoka.state_dir': join(dir, 'state'),
      'kyoka.heartbeat_seconds': 1,
      'ftp.enabled': true,
      'ftp.port': ftpPort,
      logger: { class: 'PyLogger', kwargs: { handlers: {} } },
    }),
  );
  sensor = spawn(
    process.execPath,
    [KYOKA_BIN, 'sensor', '--server', k.url, '--enroll-token', token, '--config', conf, '--verbose'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  sensor.stdout?.on('data', (d) => {
    sensorOut += d;
  });
  sensor.stderr?.on('data', (d) => {
    sensorOut += d;
  });
  const proc = sensor;
  sensorExit = new Promise((r) => proc.once('exit', (code) => r(code)));
  const pid = sensor.pid;
  await waitFor('the sensor to start', async () => /service\(s\) running/.test(sensorOut));
  assert.match(sensorOut, new RegExp(`ftp +tcp 127\\.0\\.0\\.1:${ftpPort}`));

  mark('// 1.');
  // 1. an FTP login attempt lands in the server with normalized fields
  const reply = await ftpLogin(ftpPort, 'mallory', 'hunter2');
  assert.match(reply, /^530 /m);
  const found = await searchUntil(
    k,
    k.readKey,
    { q: 'user.name:mallory and observer.name:edge-7' },
    (r) => r.total >= 1,
    15_000,
  );
  assert.equal(found.total, 1, `search: ${JSON.stringify(found)}\n${sensorOut}`);
  const ev = found.events[0] as Record<string, any>;
  assert.equal(ev.source.ip, '127.0.0.1');
  assert.equal(ev.user.name, 'mallory');
  assert.equal(ev.event.action, 'ftp.login_attempt');
  assert.equal(ev.destination.port, ftpPort);

  mark('// 2.');
  // 2. the console API lists it online with its services
  const listed = await waitFor('the sensor listed online', async () => {
    const l = await api('GET', '/api/v1/sensors');
    const s = l.body?.sensors?.find((x: { name: string }) => x.name === 'edge-7');
    return s?.status === 'online' && s.services.some((x: { name: string }) => x.name === 'ftp') ? s : null;
  });
  assert.deepEqual(
    listed.services.map((s: Record<string, unknown>) => [s.name, s.port, s.transport, s.status]),
    [['ftp', ftpPort, 'tcp', 'running']],
  );

  mark('// 3.');
  // 3. a template enabling redis, assigned: started live, same process
  const redisPort = await freePort();
  await assignTemplate('with-redis', { 'redis.enabled': true, 'redis.port': redisPort }, listed.id);
  const pong = await waitFor('redis to answer', async () => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), 'ping'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    return r.status === 0 && /NOAUTH/.test(r.stdout + r.stderr) ? r.stdout + r.stderr : null;
  });
  assert.match(pong, /NOAUTH Authentication required/);
  assert.equal(sensor.pid, pid);
  assert.equal(sensor.exitCode, null, 'the sensor did not restart');
  const withRedis = await waitFor('redis listed', async () => {
    const s = (await api('GET', '/api/v1/sensors')).body.sensors.find((x: { id: string }) => x.id === listed.id);
    return s.services.some((x: { name: string }) => x.name === 'redis') ? s : null;
  });
  assert.equal(withRedis.template_name, 'with-redis');

  mark('// 4.');
  // 4. server down: attempts are spooled, then arrive exactly once after the restart
  await k.kill();
  for (let i = 0; i < 3; i++) assert.match(await ftpLogin(ftpPort, `spooled${i}`, 'pw'), /^530 /m);
  k = await startKyoka({
    env: HB_ENV,
    dataDir: k.dataDir,
    ingestKey: k.ingestKey,
    args: ['--port', String(serverPort)],
  });
  assert.equal(Number(new URL(k.url).port), serverPort);
  const spooled = await searchUntil(
    k,
    k.readKey,
    { q: 'user.name:spooled* and observer.name:edge-7', limit: '50' },
    (r) => r.total >= 3,
    40_000,
  );
  assert.deepEqual(spooled.events.map((e) => e.user.name).sort(), ['spooled0', 'spooled1', 'spooled2']);
  // a later heartbeat and spool round must not resend them
  await waitFor('two heartbeats after the restart', async () => {
    const s = (await api('GET', '/api/v1/sensors')).body.sensors.find((x: { id: string }) => x.id === listed.id);
    return Date.parse(s.last_seen) > Date.now() - 1000 ? s : null;
  });
  assert.match(await ftpLogin(ftpPort, 'after-restart', 'pw'), /^530 /m);
  await searchUntil(k, k.readKey, { q: 'user.name:after-restart' }, (r) => r.total >= 1, 15_000);
  const again = await searchUntil(
    k,
    k.readKey,
    { q: 'observer.name:edge-7 and event.action:ftp.login_attempt', limit: '50' },
    () => false,
    300,
  );
  assert.equal(again.total, 5, 'mallory, three spooled, after-restart: each exactly once');

  mark('// 5.');
  // 5. the sensor dies: offline after 3 missed heartbeats, with a sensor.offline event
  assert.equal(sensor.exitCode, null, `the sensor died early:\n${sensorOut}`);
  sensor.kill('SIGKILL');
  await sensorExit;
  const offline = await waitFor('offline status', async () => {
    const s = (await api('GET', '/api/v1/sensors')).body.sensors.find((x: { id: string }) => x.id === listed.id);
    return s.status === 'offline' ? s : null;
  });
  assert.equal(offline.name, 'edge-7');
  const off = await searchUntil(
    k,
    k.readKey,
    { q: 'event.action:sensor.offline and observer.name:edge-7' },
    (r) => r.total === 1,
  );
  assert.equal(off.total, 1);
}
