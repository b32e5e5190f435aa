import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { sendUdp } from '../ntp/udp-test-util.ts';
import { factory } from './index.ts';
import { parseSipRequest } from './parse.ts';

const invite = [
  'INVITE sip:100@10.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1;rport',
  'v: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bK-2',
  'From: "sipvicious"<sip:100@1.1.1.1>;tag=6434396633623535',
  'To: <sip:100@10.0.0.1>',
  'Call-ID: 1234@10.0.0.9',
  'CSeq: 1 INVITE',
  'Subject: folded',
  ' continued',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

test('sip: INVITE headers are logged as 15001, lowercased, short forms expanded, Via NAT-fixed as Twisted does', async () => {
  const { service, h, stop } = await startService(factory, { 'sip.port': 0 });
  try {
    const port = service.ports[0]!.port;
    await sendUdp(port, 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n'); // a response: counted
    await sendUdp(port, 'garbage\r\n\r\n'); // malformed: counted
    await sendUdp(port, 'OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n'); // no Via: Twisted raises, nothing logged
    const src = await sendUdp(port, invite);
    const r = await h.waitFor((x) => x.logtype === 15001);
    assert.deepEqual(r.logdata, {
      HEADERS: {
        via: [
          `SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-1;received=127.0.0.1;rport=${src}`,
          'SIP/2.0/UDP 10.0.0.8;branch=z9hG4bK-2',
        ],
        from: ['"sipvicious"<sip:100@1.1.1.1>;tag=6434396633623535'],
        to: ['<sip:100@10.0.0.1>'],
        'call-id': ['1234@10.0.0.9'],
        cseq: ['1 INVITE'],
        subject: ['foldedcontinued'],
        'content-length': ['0'],
      },
    });
    assert.equal(r.conn?.src_port, src);
    const src2 = await sendUdp(
      port,
      `OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${9}\r\nMax-Forwards: 70\r\n\r\n`,
    );
    const o = await h.waitFor((x) => x.conn?.src_port === src2);
    assert.deepEqual(o.logdata, { HEADERS: { via: ['SIP/2.0/UDP 127.0.0.1:9'], 'max-forwards': ['70'] } });
    assert.equal(h.records.length, 2);
    assert.equal(h.counts.get('sip:response'), 1);
    assert.equal(h.counts.get('sip:malformed'), 1);
    assert.equal(h.counts.get('sip:no_via'), 1);
  } finally {
    await stop();
  }
});

test('sip: parser rejects bad input without throwing', () => {
  assert.equal(parseSipRequest(Buffer.from([0xff, 0xfe, 0x20])), 'encoding');
  assert.equal(parseSipRequest(Buffer.from('\r\n\r\n')), 'empty');
  assert.equal(parseSipRequest(Buffer.from('INVITE x SIP/2.0\r\nNoColon\r\n\r\n')), 'header');
  assert.equal(parseSipRequest(Buffer.from('INVITE x SIP/2.0\r\nContent-Length: x\r\n\r\n')), 'content_length');
  assert.equal(parseSipRequest(Buffer.from(`INVITE x SIP/2.0\r\n${'A: b\r\n'.repeat(300)}\r\n`)), 'too_many_headers');
  assert.deepEqual(parseSipRequest(Buffer.from('INVITE x SIP/2.0\r\nA: 1\r\na: 2\r\n')), { a: ['1', '2'] });
});
