/** rdp honeypot over a raw socket: X.224 CR with an mstshash cookie -> OpenCanary's CC; 14001. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

let svc: Awaited<ReturnType<typeof startService>>;
let port = 0;
before(async () => {
  svc = await startService(factory, { 'rdp.port': 0 });
  port = svc.service.ports[0]?.port ?? 0;
});
after(() => svc.stop());

function connectionRequest(cookie: string): Buffer {
  const c = Buffer.from(`Cookie: mstshash=${cookie}\r\n`);
  const neg = Buffer.from('0100080003000000', 'hex');
  const x224 = Buffer.concat([Buffer.from([6 + c.length + neg.length, 0xe0, 0, 0, 0, 0, 0]), c, neg]);
  const tpkt = Buffer.from([3, 0, 0, 0]);
  tpkt.writeUInt16BE(4 + x224.length, 2);
  return Buffer.concat([tpkt, x224]);
}

test('X.224 CR -> CC, then negotiation failure and close', async () => {
  const got: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(connectionRequest('alice')));
    s.on('data', (d) => {
      got.push(d);
      if (got.length === 1) s.write(Buffer.from('160301', 'hex'));
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  assert.equal(Buffer.concat(got).toString('hex'), '030000130ed000001234000209080002000000' + '0001000400010000052e');
  assert.deepEqual(
    svc.h.records.map((r) => [r.logtype, r.logdata]),
    [
      [14001, { USERNAME: 'alice' }],
      [14001, { USERNAME: null }],
    ],
  );
});
