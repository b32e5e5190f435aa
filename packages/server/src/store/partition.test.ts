/**
 * partition.ts fillColumns(): the per-column "last address" cache and the IPv6 memo must give
 * the same keys as ipKey() in any order of repeats, and never carry a key over to a different
 * or invalid address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import { ipKey } from './ip.ts';
import { COLUMNS, fillColumns } from './partition.ts';

const ev = (src: unknown, dst: unknown): KyokaEvent =>
  ({
    id: 'x',
    '@timestamp': '2026-01-01T00:00:00.000Z',
    event: { action: 'a', dataset: 'd', outcome: 'failure' },
    source: { ip: src, port: 22 },
    destination: { ip: dst, port: '80' },
    user: { name: 'root' },
    kyoka: { source: 'api' },
  }) as unknown as KyokaEvent;

test('fillColumns writes the right IP keys through runs, switches, IPv6 and invalid values', () => {
  const seq: Array<[unknown, unknown]> = [
    ['1.2.3.4', '10.0.0.1'],
    ['1.2.3.4', '10.0.0.1'],
    ['10.0.0.1', '1.2.3.4'],
    ['2001:db8::1', '10.0.0.1'],
    ['2001:db8::1', '2001:db8::2'],
    ['::ffff:1.2.3.4', '2001:db8::2'],
    ['not-an-ip', '10.0.0.1'],
    ['', undefined],
    [42, '1.2.3.4'],
    ['1.2.3.4', 'fe80::1:2:3:4:5:6:7:8:9'],
    ['1.2.3.4', '1.2.3.4'],
  ];
  const out: unknown[] = new Array(COLUMNS.length);
  for (const [s, d] of seq) {
    fillColumns(out, 0, ev(s, d), 1);
    assert.equal(out[5], ipKey(s), `source ${String(s)}`);
    assert.equal(out[7], ipKey(d), `destination ${String(d)}`);
  }
  assert.equal(ipKey('::ffff:1.2.3.4'), ipKey('1.2.3.4'));
});

test('fillColumns fills every hot column in COLUMNS order', () => {
  const out: unknown[] = new Array(COLUMNS.length);
  fillColumns(out, 0, ev('1.2.3.4', '10.0.0.1'), 1234);
  assert.deepEqual(out.slice(0, COLUMNS.length - 1), [
    'x',
    1234,
    'a',
    'd',
    'failure',
    '00000000000000000000ffff01020304',
    22,
    '00000000000000000000ffff0a000001',
    80,
    'root',
    'api',
  ]);
});
