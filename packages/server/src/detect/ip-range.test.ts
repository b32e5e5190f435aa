/** Address parsing by char codes must accept exactly what the dotted-quad RegExp accepts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIp, canonicalIpCached, ipToNum, ipToNumCached, v4num } from './ip-range.ts';

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
function reference(s: string): number | undefined {
  const m = V4_RE.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

describe('ip-range', () => {
  it('IPv4 text: same numbers as the RegExp reference, including edge cases', () => {
    const cases = [
      '0.0.0.0',
      '255.255.255.255',
      '256.1.1.1',
      '1.2.3.256',
      '01.002.3.4',
      '1.2.3',
      '1.2.3.4.',
      '.1.2.3.4',
      '1..2.3',
      '1.2.3.4\n',
      '1.2.3.4 ',
      '1234.1.1.1',
      '１.2.3.4',
      '198.51.100.7',
      '',
    ];
    for (let i = 0; i < 2000; i++) cases.push(`${i % 300}.${(i * 7) % 260}.${i & 255}.${(i * 13) % 1000}`);
    for (const s of cases) {
      assert.equal(v4num(s), reference(s), s);
      const got = ipToNum(s);
      assert.equal(ipToNumCached(s), got, s);
      assert.equal(canonicalIpCached(s), canonicalIp(s), s);
    }
  });

  it('IPv6 and IPv4-mapped addresses', () => {
    assert.equal(ipToNum('::ffff:10.0.0.1'), reference('10.0.0.1'));
    assert.equal(typeof ipToNum('2001:db8::1'), 'bigint');
    assert.equal(canonicalIpCached('2001:DB8:0::1'), '2001:db8::1');
  });
});
