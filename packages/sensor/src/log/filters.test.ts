import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFilter } from './filters.ts';

test('ip.ignorelist: IPv4 and IPv6 CIDRs and plain addresses; logtype.ignorelist', () => {
  const f = createFilter(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1'], [1001, '5001']);
  assert.equal(f.ignored('10.1.2.3', 2000), true);
  assert.equal(f.ignored('::ffff:10.1.2.3', 2000), true);
  assert.equal(f.ignored('11.1.2.3', 2000), false);
  assert.equal(f.ignored('192.0.2.7', 2000), true);
  assert.equal(f.ignored('192.0.2.8', 2000), false);
  assert.equal(f.ignored('2001:db8:1::5', 4002), true);
  assert.equal(f.ignored('2001:db9::5', 4002), false);
  assert.equal(f.ignored('::1', 4002), true);
  assert.equal(f.ignored('', 1001), true);
  assert.equal(f.ignored('8.8.8.8', 5001), true);
  assert.equal(f.ignored('not-an-ip', 2000), false);
  assert.throws(() => createFilter(['300.1.1.1'], []), /300.1.1.1/);
});
