import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { sendUdp } from '../ntp/udp-test-util.ts';
import { factory } from './index.ts';
import { MAX_OIDS, parseSnmp } from './parse.ts';

const hasNetSnmp =
  spawnSync('sh', ['-c', 'command -v snmpget && command -v snmpbulkget && command -v snmpset']).status === 0;

/** Runs a net-snmp client that will time out (the honeypot never answers); resolves when it exits. */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve) => spawn(cmd, args, { stdio: 'ignore' }).once('exit', () => resolve()));
}

test('snmp: net-snmp v2c/v1 get, getbulk and set are logged as 13001 with OIDs and community', {
  skip: !hasNetSnmp && 'net-snmp clients (snmp package) not installed',
}, async () => {
  const { service, h, stop } = await startService(factory, { 'snmp.port': 0 });
  const target = `127.0.0.1:${service.ports[0]!.port}`;
  const common = ['-t', '0.2', '-r', '0'];
  try {
    const clients = [
      run('snmpget', ['-v2c', '-c', 'public', ...common, target, '1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.5.0']),
      run('snmpget', ['-v1', '-c', 'private', ...common, target, '1.3.6.1.2.1.1.3.0']),
      run('snmpbulkget', ['-v2c', '-c', 'bulk', ...common, target, '1.3.6.1.2.1.2.2']),
      run('snmpset', ['-v2c', '-c', 'rw', ...common, target, '1.3.6.1.2.1.1.6.0', 's', 'x']),
    ];
    const by = (c: string) => h.waitFor((r) => r.logdata.COMMUNITY_STRING === c);
    assert.deepEqual((await by('public')).logdata, {
      REQUESTS: ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.5.0'],
      COMMUNITY_STRING: 'public',
    });
    assert.deepEqual((await by('private')).logdata, { REQUESTS: ['1.3.6.1.2.1.1.3.0'], COMMUNITY_STRING: 'private' });
    assert.deepEqual((await by('bulk')).logdata, { REQUESTS: ['1.3.6.1.2.1.2.2'], COMMUNITY_STRING: 'bulk' });
    const set = await by('rw');
    assert.deepEqual(set.logdata, { REQUESTS: ['1.3.6.1.2.1.1.6.0'], COMMUNITY_STRING: 'rw' });
    assert.equal(set.conn?.dst_port, service.ports[0]!.port);
    await Promise.all(clients);
    // net-snmp resends nothing with -r 0: exactly one record per client.
    assert.equal(h.records.length, 4);
  } finally {
    await stop();
  }
});

test('snmp: malformed and v3 datagrams are counted, never logged', async () => {
  const { service, h, stop } = await startService(factory, { 'snmp.port': 0 });
  try {
    const port = service.ports[0]!.port;
    await sendUdp(port, Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])); // absurd length form
    await sendUdp(port, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03])); // version 3
    await sendUdp(port, Buffer.from('\x30\x0e\x02\x01\x01\x04\x06public\xa0\x7f')); // PDU overruns
    // v2c get with a valid single OID, sent last: its record proves the earlier datagrams were handled.
    await sendUdp(
      port,
      Buffer.from('302902010104067075626c6963a01c020400000001020100020100300e300c06082b060102010101000500', 'hex'),
    );
    const r = await h.waitFor((x) => x.logtype === 13001);
    assert.deepEqual(r.logdata, { REQUESTS: ['1.3.6.1.2.1.1.1.0'], COMMUNITY_STRING: 'public' });
    assert.equal(h.counts.get('snmp:malformed'), 3);
  } finally {
    await stop();
  }
});

test('snmp: BER edge cases: big sub-identifiers, 2.x arcs, OID cap', () => {
  const msg = (oidHex: string[]) => {
    const vbs = oidHex.map((o) => {
      const oid = `06${(o.length / 2).toString(16).padStart(2, '0')}${o}`;
      const vb = `${oid}0500`;
      return `30${(vb.length / 2).toString(16).padStart(2, '0')}${vb}`;
    });
    const list = Buffer.from(vbs.join(''), 'hex');
    const listTlv = Buffer.concat([Buffer.from([0x30, 0x82, list.length >> 8, list.length & 255]), list]);
    const pdu = Buffer.concat([Buffer.from('020101020100020100', 'hex'), listTlv]);
    const pduTlv = Buffer.concat([Buffer.from([0xa1, 0x82, pdu.length >> 8, pdu.length & 255]), pdu]);
    const body = Buffer.concat([Buffer.from('020101040161', 'hex'), pduTlv]);
    return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 255]), body]);
  };
  const r = parseSnmp(msg(['2b06010401ffffffff7f', '8837']));
  assert.deepEqual(r.oids, ['1.3.6.1.4.1.34359738367', '2.999']);
  assert.equal(r.community, 'a');
  const many = parseSnmp(msg(Array.from({ length: MAX_OIDS + 5 }, () => '2b06')));
  assert.equal(many.oids.length, MAX_OIDS);
  assert.equal(many.truncated, true);
  assert.throws(() => parseSnmp(msg(['2b86'])), /truncated OID/);
});
