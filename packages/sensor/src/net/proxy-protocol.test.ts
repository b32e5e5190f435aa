import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { harness } from '../testing/harness.ts';
import { parseProxyHeader } from './proxy-protocol.ts';
import { listenTcp } from './tcp.ts';

function v2(src: number[], dst: number[], sp: number, dp: number): Buffer {
  const sig = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const body = Buffer.alloc(12);
  Buffer.from(src).copy(body, 0);
  Buffer.from(dst).copy(body, 4);
  body.writeUInt16BE(sp, 8);
  body.writeUInt16BE(dp, 10);
  return Buffer.concat([sig, Buffer.from([0x21, 0x11, 0, 12]), body]);
}

test('PROXY v1 and v2 headers', () => {
  const v1 = parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.9 10.0.0.1 40000 21\r\nUSER x\r\n'));
  assert.deepEqual(v1, {
    status: 'ok',
    consumed: 42,
    meta: { src_host: '203.0.113.9', src_port: 40000, dst_host: '10.0.0.1', dst_port: 21 },
  });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 1.2')), { status: 'incomplete' });
  assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')).status, 'invalid');
  assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 a b c d\r\n')).status, 'invalid');
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { status: 'ok', consumed: 15 });
  const b = v2([198, 51, 100, 1], [10, 0, 0, 2], 1234, 22);
  assert.deepEqual(parseProxyHeader(Buffer.concat([b, Buffer.from('SSH-2.0-x')])), {
    status: 'ok',
    consumed: 28,
    meta: { src_host: '198.51.100.1', src_port: 1234, dst_host: '10.0.0.2', dst_port: 22 },
  });
  assert.deepEqual(parseProxyHeader(b.subarray(0, 20)), { status: 'incomplete' });
});

test('listener with kyoka.proxy_protocol hands the service the forwarded address and the bytes after the header', async () => {
  const h = harness({ 'kyoka.proxy_protocol': true });
  const got = new Promise<{ meta: unknown; data: string }>((resolve) => {
    void listenTcp(h.ctx, {
      service: 't',
      port: 0,
      onConnection(socket, meta) {
        socket.once('data', (d) => {
          resolve({ meta, data: d.toString() });
          socket.destroy();
        });
      },
    }).then((l) => {
      const c = connect(l.port, '127.0.0.1', () => c.write('PROXY TCP4 203.0.113.9 10.0.0.1 40000 21\r\nhello'));
      c.on('close', () => void l.close());
    });
  });
  const r = await got;
  assert.deepEqual(r.meta, { src_host: '203.0.113.9', src_port: 40000, dst_host: '10.0.0.1', dst_port: 21 });
  assert.equal(r.data, 'hello');
  h.cleanup();
});
