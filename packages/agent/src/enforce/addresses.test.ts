/** Unit tests: strict address parsing/canonicalisation and CIDR merging for interval sets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeNets, type Net, parseNet, parseSandbox } from './addresses.ts';

test('parseNet canonicalises and refuses anything that is not an IP or CIDR', () => {
  assert.equal(parseNet('1.2.3.4')?.key, '1.2.3.4');
  assert.equal(parseNet('1.2.3.4/24')?.key, '1.2.3.0/24');
  assert.equal(parseNet('1.2.3.4/32')?.single, true);
  assert.equal(parseNet('2001:DB8:0:0::1')?.key, '2001:db8::1');
  assert.equal(parseNet('2001:db8::1/32')?.key, '2001:db8::/32');
  assert.equal(parseNet('::ffff:10.0.0.1')?.key, '10.0.0.1');
  assert.equal(parseNet('::ffff:10.0.0.0/120')?.key, '10.0.0.0/24');
  for (const bad of [
    '',
    '1.2.3',
    '01.2.3.4',
    '256.0.0.1',
    '1.2.3.4/33',
    '1.2.3.4 ',
    'fe80::1%eth0',
    '1.2.3.4; flush ruleset',
    '::/129',
    'localhost',
    42,
    null,
    {},
  ])
    assert.equal(parseNet(bad), null, String(bad));
});

test('parseSandbox accepts ip, ip:port and [ip6]:port', () => {
  assert.deepEqual(parseSandbox('10.0.0.5'), { family: 4, addr: '10.0.0.5' });
  assert.deepEqual(parseSandbox('10.0.0.5:2222'), { family: 4, addr: '10.0.0.5', port: 2222 });
  assert.deepEqual(parseSandbox('[2001:db8::5]:22'), { family: 6, addr: '2001:db8::5', port: 22 });
  assert.deepEqual(parseSandbox('2001:db8::5'), { family: 6, addr: '2001:db8::5' });
  for (const bad of ['10.0.0.0/24', '10.0.0.5:0', '10.0.0.5:99999', 'host:22', '[10.0.0.5]:x'])
    assert.equal(parseSandbox(bad), null, bad);
});

const t = (s: string, expiresAt: number) => ({ net: parseNet(s) as Net, expiresAt });

test('mergeNets drops contained networks, keeps the longest timeout per key and reports when to re-add', () => {
  const { kept, wakeAt } = mergeNets([
    t('10.0.0.0/8', 5000),
    t('10.1.0.0/16', 3000), // contained, shorter: gone for good
    t('10.2.3.0/24', 9000), // contained, outlives the /8: re-added when it expires
    t('192.168.1.0/24', 1000),
    t('192.168.1.0/24', 4000), // same key: longest wins
    t('192.168.2.0/24', 1000),
  ]);
  assert.deepEqual(
    kept.map((k) => [k.net.key, k.expiresAt]),
    [
      ['10.0.0.0/8', 5000],
      ['192.168.1.0/24', 4000],
      ['192.168.2.0/24', 1000],
    ],
  );
  assert.equal(wakeAt, 5000);
  assert.equal(mergeNets([t('10.0.0.0/24', 1), t('10.0.1.0/24', 1)]).wakeAt, null);
});
