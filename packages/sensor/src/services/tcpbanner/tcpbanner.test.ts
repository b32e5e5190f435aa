/** tcpbanner honeypot over raw sockets: plain, alert-string and keep-alive modes; 18001..18005. */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { tcpbannerFactory } from './index.ts';

function session(port: number): { s: Socket; next(): Promise<string> } {
  const s = connect(port, '127.0.0.1');
  const queue: string[] = [];
  const waiters: Array<(v: string) => void> = [];
  s.on('data', (d) => {
    const w = waiters.shift();
    if (w) w(d.toString());
    else queue.push(d.toString());
  });
  return {
    s,
    next: () => new Promise((resolve) => (queue.length ? resolve(queue.shift() as string) : waiters.push(resolve))),
  };
}

test('alert string mode: only data with the alert is logged (18005)', async () => {
  const svc = await startService(tcpbannerFactory(1), {
    'tcpbanner_1.port': 0,
    'tcpbanner_1.initbanner': 'Welcome to OpenCanary TCPBanner\\r\\n',
    'tcpbanner_1.datareceivedbanner': 'OK\\r\\n',
    'tcpbanner_1.alertstring.enabled': true,
    'tcpbanner_1.alertstring': 'ALERT',
  });
  try {
    const c = session(svc.service.ports[0]?.port ?? 0);
    assert.equal(await c.next(), 'Welcome to OpenCanary TCPBanner\r\n');
    c.s.write('nothing here\r\n');
    assert.equal(await c.next(), 'OK\r\n');
    c.s.write('hello ALERT from test\r\n');
    assert.equal(await c.next(), 'OK\r\n');
    c.s.destroy();
    assert.deepEqual(
      svc.h.records.map((r) => [r.logtype, r.logdata]),
      [[18005, { FUNCTION: 'DATA_RECEIVED', BANNER_ID: '1', DATA: 'hello ALERT from test', ALERT_STRING: 'ALERT' }]],
    );
  } finally {
    await svc.stop();
  }
});

test('plain mode: 18001 on connect, 18005 per chunk', async () => {
  const svc = await startService(tcpbannerFactory(3), {
    'tcpbanner_3.port': 0,
    'tcpbanner_3.initbanner': 'hi\\n',
    'tcpbanner_3.datareceivedbanner': 'ok\\n',
  });
  try {
    const c = session(svc.service.ports[0]?.port ?? 0);
    assert.equal(await c.next(), 'hi\n');
    c.s.write('abc  \n');
    assert.equal(await c.next(), 'ok\n');
    c.s.destroy();
    assert.deepEqual(
      svc.h.records.map((r) => [r.logtype, r.logdata]),
      [
        [18001, { FUNCTION: 'CONNECTION_MADE', DATA: 'hi\n', BANNER_ID: '3' }],
        [18005, { FUNCTION: 'DATA_RECEIVED', BANNER_ID: '3', DATA: 'abc' }],
      ],
    );
  } finally {
    await svc.stop();
  }
});

test('keep-alive mode: 18002, 18004, then 18003 and silence', async () => {
  const svc = await startService(tcpbannerFactory(2), {
    'tcpbanner_2.port': 0,
    'tcpbanner_2.initbanner': 'ready\\r\\n',
    'tcpbanner_2.datareceivedbanner': 'ack\\r\\n',
    'tcpbanner_2.keep_alive.enabled': true,
    'tcpbanner_2.keep_alive_secret': 'S3CRET',
  });
  try {
    const c = session(svc.service.ports[0]?.port ?? 0);
    assert.equal(await c.next(), 'ready\r\n');
    c.s.write('ping');
    assert.equal(await c.next(), 'ack\r\n');
    c.s.write('S3CRET');
    assert.equal(await c.next(), 'ack\r\n');
    c.s.write('more');
    assert.equal(await c.next(), 'ack\r\n');
    c.s.destroy();
    assert.deepEqual(
      svc.h.records.map((r) => [r.logtype, r.logdata]),
      [
        [18002, { FUNCTION: 'CONNECTION_MADE', DATA: 'ready\r\n', BANNER_ID: '2' }],
        [18004, { FUNCTION: 'DATA_RECEIVED', BANNER_ID: '2', DATA: 'ping' }],
        [18003, { FUNCTION: 'DATA_RECEIVED', BANNER_ID: '2', DATA: 'S3CRET', SECRET_STRING: 'S3CRET' }],
      ],
    );
  } finally {
    await svc.stop();
  }
});
