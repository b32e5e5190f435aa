/**
 * The all-in-one's local sensor, as a new user meets it: `kyoka start` prints which honeypots
 * listen where; an FTP login attempt is searchable within seconds; the Sensors API lists the
 * local sensor online with its services and the events it sent; a template assigned to it in
 * the console starts a service live in the same process; a restart keeps one sensor row and the
 * template; run without its sensor, the row goes offline with a sensor.offline event.
 *
 * The honeypots keep their fixed all-in-one ports (ftp 2121, or 21 as root, ...) on a loopback
 * address of their own (`--sensor-host 127.a.b.c`), so they collide with nothing else here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { consoleApi, ftpLogin, waitFor } from '../helpers/sensor-flow.ts';

const HB_ENV = { KYOKA_SENSORS_HEARTBEAT_SEC: '1' };
const HOST = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** Reads what a TCP service says first (banner), or '' when it closes without a word. */
function banner(port: number, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, HOST);
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d) => {
      buf += d;
      if (until.test(buf)) {
        s.destroy();
        resolve(buf);
      }
    });
    s.once('error', reject);
    s.once('close', () => resolve(buf));
    s.setTimeout(5000, () => s.destroy(new Error(`timeout after: ${JSON.stringify(buf)}`)));
  });
}

let k: Kyoka;

const { login, api, assignTemplate } = consoleApi(() => k);

interface SensorRow {
  id: string;
  name: string;
  status: string;
  version: string;
  services: Array<{ name: string; port: number | null; transport: string; status?: string }>;
  events_total: number;
  template_name: string | null;
}

async function localSensors(): Promise<SensorRow[]> {
  const l = await api('GET', '/api/v1/sensors');
  return (l.body.sensors as SensorRow[]).filter((s) => s.name === 'kyoka-local');
}

const dataDir = mkdtempSync(join(tmpdir(), 'kyoka-aio-'));
const start = (sensor = true) =>
  startKyoka({
    env: HB_ENV,
    sensor,
    dataDir,
    ...(k ? { ingestKey: k.ingestKey } : {}),
    args: sensor ? ['--sensor-host', HOST] : [],
  });

before(async () => {
  k = await start();
});

after(async () => {
  await k?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('all-in-one: the local sensor logs, is listed and managed like an enrolled one', async () => {
  // 1. the banner says which honeypots listen where (unprivileged ports unless root)
  const out = k.output();
  const root = process.getuid?.() === 0;
  const ports: Record<string, number> = {};
  for (const m of out.matchAll(/^ {2}(\w+) +tcp ([\d.]+):(\d+)$/gm)) {
    assert.equal(m[2], HOST);
    ports[m[1] as string] = Number(m[3]);
  }
  assert.deepEqual(
    { ftp: ports.ftp, telnet: ports.telnet, http: ports.http },
    root ? { ftp: 21, telnet: 23, http: 80 } : { ftp: 2121, telnet: 2323, http: 8080 },
    out,
  );
  const ftpPort = ports.ftp as number;
  await login();

  // 2. an attempt is searchable within seconds
  const t0 = Date.now();
  assert.match(await ftpLogin(ftpPort, 'first-minute', 'hunter2', HOST), /^530 /m);
  const found = await searchUntil(k, k.readKey, { q: 'user.name:first-minute' }, (r) => r.total >= 1, 20_000);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < 20, `found after ${seconds} s`);
  const ev = found.events[0] as Record<string, any>;
  assert.equal(ev.event.action, 'ftp.login_attempt');
  assert.equal(ev.observer.name, 'kyoka-local');
  assert.equal(ev.destination.port, ftpPort);

  // 3. listed on the Sensors page: online, its services, the events it sent
  const listed = await waitFor('the local sensor listed with events', async () => {
    const [s, ...more] = await localSensors();
    assert.equal(more.length, 0);
    return s?.status === 'online' && s.events_total >= 1 ? s : null;
  });
  const ftp = listed.services.find((s) => s.name === 'ftp');
  assert.deepEqual(ftp, { name: 'ftp', port: ftpPort, transport: 'tcp', status: 'running' });
  assert.match(listed.version, /^\d+\.\d+\.\d+/);
  // its ingest source counts the bytes of the records it delivered
  const sources = (await api('GET', '/api/v1/sources')).body.sources as Array<{
    name: string;
    bytes: number;
    events: number;
  }>;
  const src = sources.find((s) => s.name === 'sensor');
  assert.ok(src && src.events >= 1 && src.bytes > 100, JSON.stringify(src));

  // 4. a template assigned in the console starts vnc live, in the same process
  await assignTemplate('local-vnc', { 'vnc.enabled': true, 'vnc.port': 5959 }, listed.id);
  const pid = k.proc.pid;
  assert.match(await waitFor('vnc to answer', () => banner(5959, /^RFB /)), /^RFB 003\.008\n/);
  assert.equal(k.proc.pid, pid);
  assert.equal(k.proc.exitCode, null);
  await waitFor('vnc listed', async () => {
    const [s] = await localSensors();
    return s?.template_name === 'local-vnc' && s.services.some((x) => x.name === 'vnc' && x.port === 5959);
  });

  // 5. a restart keeps the one row and the template (the last config it applied)
  await k.stop();
  k = await start();
  assert.match(await waitFor('vnc after the restart', () => banner(5959, /^RFB /)), /^RFB 003\.008\n/);
  const again = await waitFor('listed after the restart', async () => {
    const rows = await localSensors();
    return rows.length === 1 && rows[0]?.status === 'online' ? rows : null;
  });
  assert.equal(again[0]?.id, listed.id);

  // 6. started without its sensor: offline after three missed heartbeats, with an event
  await k.stop();
  k = await start(false);
  const off = await waitFor('offline', async () => {
    const [s] = await localSensors();
    return s?.status === 'offline' ? s : null;
  });
  assert.equal(off.id, listed.id);
  const evs = await searchUntil(
    k,
    k.readKey,
    { q: 'event.action:sensor.offline and observer.name:kyoka-local' },
    (r) => r.total === 1,
  );
  assert.equal(evs.total, 1);
});
