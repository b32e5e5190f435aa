/** vnc honeypot over a raw socket: full RFB 3.8 handshake with real DES responses; 12001. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory, NOT_IN_LIST, vncResponse } from './index.ts';

let svc: Awaited<ReturnType<typeof startService>>;
let port = 0;
before(async () => {
  svc = await startService(factory, { 'vnc.port': 0 });
  port = svc.service.ports[0]?.port ?? 0;
});
after(() => svc.stop());

/** Drives the client side; returns [server version, security types, challenge, result]. */
function handshake(password: string, version = 'RFB 003.008\n'): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const parts: Buffer[] = [];
    const want = version.endsWith('3\n') ? [12, 4, 16, 4] : [12, 2, 16, 30];
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (parts.length < want.length && buf.length >= (want[parts.length] as number)) {
        const n = want[parts.length] as number;
        parts.push(buf.subarray(0, n));
        buf = buf.subarray(n);
        if (parts.length === 1) s.write(version);
        else if (parts.length === 2 && n === 2) s.write(Buffer.from([2]));
        else if (parts[parts.length - 1]?.length === 16) s.write(vncResponse(password, parts.at(-1) as Buffer));
      }
    });
    s.on('close', () => resolve(parts));
    s.on('error', reject);
  });
}

test('password "password" is recognised; failure reply as RFB 3.8', async () => {
  const [ver, sec, challenge, result] = await handshake('password');
  assert.equal(ver?.toString(), 'RFB 003.008\n');
  assert.equal(sec?.toString('hex'), '0102');
  assert.equal(result?.toString('latin1'), '\0\0\0\x01\0\0\0\x16Authentication failure');
  const r = svc.h.records.at(-1);
  assert.equal(r?.logtype, 12001);
  assert.deepEqual(r?.logdata, {
    'VNC Server Challenge': challenge?.toString('hex'),
    'VNC Client Response': vncResponse('password', challenge as Buffer).toString('hex'),
    'VNC Password': 'password',
  });
});

test('unknown password; RFB 3.3 client', async () => {
  const [, sec, challenge, result] = await handshake('hunter22', 'RFB 003.003\n');
  assert.equal(sec?.toString('hex'), '00000002');
  assert.equal(result?.toString('hex'), '00000001');
  assert.deepEqual(svc.h.records.at(-1)?.logdata, {
    'VNC Server Challenge': challenge?.toString('hex'),
    'VNC Client Response': vncResponse('hunter22', challenge as Buffer).toString('hex'),
    'VNC Password': NOT_IN_LIST,
  });
});

test('known DES vector for VNC keys', () => {
  // DES(key=0, 0) = 8ca64de9c1b123a7: an empty password mirrors to the all-zero key
  assert.equal(vncResponse('', Buffer.alloc(16)).toString('hex'), '8ca64de9c1b123a7'.repeat(2));
});
