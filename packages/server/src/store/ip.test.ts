/**
 * ip.ts: the single-pass IPv4 parser behind ipKey() must accept and reject exactly what the
 * split('.')-based parser it replaced did (checked against that reference on edge cases and
 * random strings), and the keys keep their documented form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipKey, ipRange, ipV4Key } from './ip.ts';

/** The previous parser, kept here as the reference. */
function refV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return null;
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      n = n * 10 + c;
    }
    if (n > 255 || (p.length > 1 && p[0] === '0')) return null;
    out.push(n);
  }
  return out;
}

const refKey = (s: string) => {
  const b = refV4(s);
  return b ? `00000000000000000000ffff${b.map((x) => x.toString(16).padStart(2, '0')).join('')}` : null;
};

test('ipV4Key agrees with the split-based reference on edge cases', () => {
  const cases = [
    '0.0.0.0',
    '255.255.255.255',
    '1.2.3.4',
    '198.51.100.7',
    '256.1.1.1',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.0',
    '1.2.3',
    '1.2.3.4.5',
    '1..3.4',
    '.1.2.3',
    '1.2.3.',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.1234',
    '1111.2.3.4',
    '::ffff:1.2.3.4',
    '2001:db8::1',
    '',
    'a.b.c.d',
    '1.2.3.-4',
    '1.2.3.4/8',
    '100.200.250.255',
  ];
  for (const s of cases) assert.equal(ipV4Key(s), refKey(s), JSON.stringify(s));
});

test('ipV4Key agrees with the reference on random dotted strings', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '0123456789.0123456789.x:';
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = rnd(18);
    for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    assert.equal(ipV4Key(s), refKey(s), JSON.stringify(s));
  }
});

test('ipKey, ipRange keep their forms after the parser change', () => {
  assert.equal(ipKey('1.2.3.4'), '00000000000000000000ffff01020304');
  assert.equal(ipKey('10.0.0.1'), ipKey('::ffff:10.0.0.1'));
  assert.equal(ipKey('01.2.3.4'), null);
  assert.deepEqual(ipRange('10.0.0.0/8'), {
    lo: '00000000000000000000ffff0a000000',
    hi: '00000000000000000000ffff0affffff',
  });
  // the scratch octets of a failed parse never leak into the next key
  assert.equal(ipV4Key('9.9.9.999'), null);
  assert.equal(ipV4Key('1.1.1.1'), '00000000000000000000ffff01010101');
});
