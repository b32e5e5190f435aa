/**
 * The runtime end to end in-process: an FTP service with a file handler and a webhook that never
 * answers (the FTP reply must not wait for it), a service whose port is busy (reported, the others
 * run), the in-process sink, and apply() reconfiguring live.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSensorConf } from '../config/conf.ts';
import { runSensor } from './run.ts';

function ftpSession(port: number) {
  const s: Socket = connect(port, '127.0.0.1');
  let buf = '';
  const waiters: Array<() => void> = [];
  s.on('data', (d) => {
    buf += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  const until = (re: RegExp) =>
    new Promise<string>((resolve) => {
      const check = () => (re.test(buf) ? resolve(buf) : waiters.push(check));
      check();
    });
  return { s, until };
}

test('runtime: sync file log before the reply, slow webhook never delays it, busy port reported, live apply', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-rt-'));
  const logFile = join(dir, 'oc.log');
  const pending: IncomingMessage[] = [];
  let hookArrived: () => void = () => {};
  const hookSeen = new Promise<void>((r) => {
    hookArrived = r;
  });
  const hook = createHttp((req) => {
    pending.push(req); // never answers
    hookArrived();
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const busyPort = (busy.address() as AddressInfo).port;

  const events: unknown[] = [];
  const values = {
    'device.node_id': 'rt-1',
    'device.listen_addr': '127.0.0.1',
    'kyoka.state_dir': join(dir, 'state'),
    'ftp.enabled': true,
    'ftp.port': 0,
    'ftp.banner': 'FTP server ready',
    'tcpbanner_1.enabled': true,
    'tcpbanner_1.port': busyPort,
    logger: {
      class: 'PyLogger',
      kwargs: {
        handlers: {
          file: { class: 'logging.FileHandler', filename: logFile },
          hook: {
            class: 'opencanary.logger.WebhookHandler',
            url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/x`,
            data: { text: '%(message)s' },
          },
        },
      },
    },
  };
  const sensor = await runSensor({ version: 't', values, allowPortZero: true, sink: (e) => events.push(...e) });
  try {
    const st = sensor.status();
    const ftp = st.find((s) => s.name === 'ftp');
    assert.equal(ftp?.status, 'running');
    const tb = st.find((s) => s.name === 'tcpbanner_1');
    assert.equal(tb?.status, 'failed');
    assert.match(tb?.error ?? '', new RegExp(`port ${busyPort}.*in use`));
    const port = ftp?.ports[0]?.port as number;

    const startup = readFileSync(logFile, 'utf8').split('\n');
    assert.match(
      startup[0] ?? '',
      /"logdata": \{"msg": \{"logdata": "Added service from class CanaryFTP in opencanary.modules.ftp to fake"\}\}, "logtype": 1001, "node_id": "rt-1"/,
    );
    assert.ok(startup.some((l) => l.includes('"logdata": {"msg": {"logdata": "Canary running!!!"}}')));

    await hookSeen; // the startup records are stuck in the webhook: it never answers
    const c = ftpSession(port);
    await c.until(/^220 FTP server ready\r\n/);
    c.s.write('USER bob\r\n');
    await c.until(/331 /);
    c.s.write('PASS s3cret\r\n');
    await c.until(/530 /);
    // the record was in the file when the reply arrived, while the webhook still hangs
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const rec = JSON.parse(lines.at(-1) as string);
    assert.equal(rec.logtype, 2000);
    assert.deepEqual(rec.logdata, { USERNAME: 'bob', PASSWORD: 's3cret' });
    assert.equal(rec.dst_port, port);
    assert.equal(rec.src_host, '127.0.0.1');
    assert.ok(pending.length >= 1 && pending.every((r) => !r.complete || !r.socket.destroyed));
    c.s.destroy();
    await new Promise((r) => setImmediate(r));
    assert.ok(events.some((e: any) => e.kyoka?.opencanary?.logtype === 2000 && e.user?.name === 'bob' && e.id));

    // live apply: new banner restarts ftp, tcpbanner dropped
    const next = createSensorConf(
      { ...values, 'ftp.banner': 'Welcome', 'tcpbanner_1.enabled': false },
      { allowPortZero: true },
    );
    const st2 = await sensor.runtime.apply(next);
    assert.deepEqual(
      st2.map((s) => [s.name, s.status]),
      [['ftp', 'running']],
    );
    const c2 = ftpSession(st2[0]?.ports[0]?.port as number);
    await c2.until(/^220 Welcome\r\n/);
    c2.s.destroy();
  } finally {
    await sensor.stop();
    for (const r of pending) r.socket.destroy();
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
    await new Promise<void>((r) => busy.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});
