/**
 * tokens.ts fast paths: the ASCII tokenizer and the streaming tokenText() must produce exactly
 * what the Unicode-regex tokenizer and the leafStrings()/join() form produce (they feed the
 * same FTS index and query side), checked on edge cases and on random documents.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leafStrings, tokens, tokensByRegex, tokenText, VALUE_SEP } from './tokens.ts';

/** tokenText as it was written before the fast path: the reference. */
function refTokenText(doc: unknown): string {
  let out = ' ';
  let first = true;
  for (const v of leafStrings(doc)) {
    const t = tokensByRegex(v);
    if (!t.length) continue;
    if (!first) out += `${VALUE_SEP} `;
    out += `${t.join(' ')} `;
    first = false;
  }
  return out;
}

let seed = 42;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const CHARS = [
  'a',
  'Z',
  '0',
  '9',
  '.',
  '_',
  '-',
  ' ',
  '/',
  '@',
  ':',
  '"',
  '\t',
  '~',
  '\x7f',
  'é',
  'Ø',
  'ß',
  '中',
  VALUE_SEP,
];
function rndString(): string {
  let s = '';
  const n = rnd(14);
  for (let i = 0; i < n; i++) s += rnd(3) === 0 ? CHARS[rnd(CHARS.length)] : 'abcXYZ019._-/ '[rnd(14)];
  return s;
}
function rndValue(depth: number): unknown {
  const k = rnd(depth > 2 ? 3 : 6);
  if (k === 0) return rndString();
  if (k === 1) return rnd(1000);
  if (k === 2) return rnd(2) === 0 ? null : true;
  if (k === 3) return Array.from({ length: rnd(4) }, () => rndValue(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rnd(4); i > 0; i--) o[rnd(3) === 0 ? '@timestamp' : `k${rnd(9)}`] = rndValue(depth + 1);
  return o;
}

test('tokens() equals the regex tokenizer on edge cases', () => {
  for (const s of [
    '',
    ' ',
    'Failed password for root from 198.51.100.7 port 22 ssh2',
    '/etc/passwd',
    'admin@Example.COM',
    '..a..',
    '-_.',
    '__init__',
    'a-b_c.d',
    'x\x7fy',
    'Crème brûlée',
    'tab\there',
    `one${VALUE_SEP}two`,
    'ÅNGSTRÖM 中文 test',
  ])
    assert.deepEqual(tokens(s), tokensByRegex(s), JSON.stringify(s));
});

test('tokens() and tokenText() equal the reference on random strings and documents', () => {
  for (let i = 0; i < 5000; i++) {
    const s = rndString();
    assert.deepEqual(tokens(s), tokensByRegex(s), JSON.stringify(s));
  }
  for (let i = 0; i < 3000; i++) {
    const doc = rndValue(0);
    assert.equal(tokenText(doc), refTokenText(doc), JSON.stringify(doc));
  }
});

test('tokenText of an event keeps its form', () => {
  const doc = {
    '@timestamp': '2026-01-01T00:00:00.000Z',
    event: { action: 'ssh.login_attempt', category: ['authentication'] },
    source: { ip: '198.51.100.7', port: 22 },
    user: { name: 'Root' },
    message: 'GET /admin/login.php?x=1',
  };
  assert.equal(
    tokenText(doc),
    ` ssh.login_attempt ${VALUE_SEP} authentication ${VALUE_SEP} 198.51.100.7 ${VALUE_SEP} root ${VALUE_SEP} get admin login.php x 1 `,
  );
  assert.equal(tokenText({}), ' ');
});
