import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';
import { sendUdp } from './udp-test-util.ts';

test('ntp: monlist (mode 7, request 0x2A) is logged as 11001, other packets are not', async () => {
  const { service, h, stop } = await startService(factory, { 'ntp.port': 0 });
  try {
    const port = service.ports[0]!.port;
    // A normal client request (mode 3) first: ignored, counted.
    const client = Buffer.alloc(48);
    client[0] = 0x1b;
    await sendUdp(port, client);
    await sendUdp(port, Buffer.from([0x17])); // too short
    // ntpdc -c monlist: 0x17 (v2, mode 7), auth/seq 0, implementation 3, request 0x2A.
    const monlist = Buffer.alloc(48);
    monlist.set([0x17, 0x00, 0x03, 0x2a]);
    const src = await sendUdp(port, monlist);
    const r = await h.waitFor((x) => x.logtype === 11001);
    assert.deepEqual(r.logdata, { 'NTP CMD': 'monlist' });
    assert.deepEqual(r.conn, { src_host: '127.0.0.1', src_port: src, dst_host: '127.0.0.1', dst_port: port });
    assert.equal(h.records.length, 1);
    assert.equal(h.counts.get('ntp:ignored'), 2);
  } finally {
    await stop();
  }
});
