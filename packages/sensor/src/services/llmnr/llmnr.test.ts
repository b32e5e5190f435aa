import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { buildQuery, ipv6Text, parseReply, readName } from './dns.ts';
import { factory } from './index.ts';

/** A fake Responder: receives the canary's query on loopback and answers it with a poisoned A record. */
async function responder(): Promise<{ sock: Socket; port: number }> {
  const sock = createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return { sock, port: sock.address().port };
}

function poisonedAnswer(query: Buffer, ip: number[]): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header[2] = 0x80; // QR
  header.writeUInt16BE(1, 6); // ANCOUNT
  const question = query.subarray(12);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, ...ip]);
  return Buffer.concat([header, question, rr]);
}

test('llmnr: queries for llmnr.hostname and logs 19001 when a responder answers', async () => {
  const fake = await responder();
  const { service, h, stop } = await startService(factory, {
    'llmnr.port': 0,
    'llmnr.hostname': 'FILESRV02',
    'llmnr.query_address': '127.0.0.1',
    'llmnr.query_port': fake.port,
  });
  try {
    const [query, rinfo] = (await once(fake.sock, 'message')) as [Buffer, { port: number; address: string }];
    assert.equal(rinfo.port, service.ports[0]!.port, 'queries leave from the listening socket');
    assert.deepEqual(query.subarray(2), buildQuery('FILESRV02', 0).subarray(2));
    assert.equal(readName(query, 12).name, 'FILESRV02.');
    // Our own query echoed back (QR clear) and an answer for another name are not attacks.
    fake.sock.send(query, rinfo.port, '127.0.0.1');
    fake.sock.send(poisonedAnswer(buildQuery('OTHER', 1), [10, 0, 0, 66]), rinfo.port, '127.0.0.1');
    fake.sock.send(Buffer.from([1, 2, 3]), rinfo.port, '127.0.0.1');
    fake.sock.send(poisonedAnswer(query, [10, 0, 0, 66]), rinfo.port, '127.0.0.1');
    const r = await h.waitFor((x) => x.logtype === 19001);
    assert.deepEqual(r.logdata, { query_hostname: 'FILESRV02', response: 'DNS Ans 10.0.0.66' });
    assert.deepEqual(r.conn, {
      src_host: '127.0.0.1',
      src_port: fake.port,
      dst_host: '127.0.0.1',
      dst_port: service.ports[0]!.port,
    });
    assert.equal(h.records.length, 1);
    assert.equal(h.counts.get('llmnr:ignored'), 2);
    assert.equal(h.counts.get('llmnr:malformed'), 1);
  } finally {
    fake.sock.close();
    await stop();
  }
});

test('llmnr: reply parser is bounded and summarises like scapy', () => {
  const q = buildQuery('DC03', 7);
  assert.equal(parseReply(q).summary, "DNS Qry b'DC03.'");
  const loop = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 0x0c])]);
  assert.throws(() => parseReply(loop), /pointer loop/);
  assert.throws(() => parseReply(Buffer.alloc(12)), /no question/);
  assert.equal(ipv6Text([0xfe80, 0, 0, 0, 0, 0, 0, 1]), 'fe80::1');
  assert.equal(ipv6Text([1, 0, 2, 0, 0, 3, 0, 0]), '1:0:2::3:0:0');
  assert.equal(ipv6Text([1, 2, 3, 4, 5, 6, 7, 8]), '1:2:3:4:5:6:7:8');
});
