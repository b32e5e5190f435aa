import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import { rng } from '../testing/rng.ts';
import type { QueryNode } from './ast.ts';
import { formatQuery, MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, parseQuery } from './parse.ts';

// ---- AST builders ------------------------------------------------------------------------------

const all: QueryNode = { type: 'all' };
const and = (...children: QueryNode[]): QueryNode => ({ type: 'and', children });
const or = (...children: QueryNode[]): QueryNode => ({ type: 'or', children });
const not = (child: QueryNode): QueryNode => ({ type: 'not', child });
const term = (field: string, value: string, opts: { phrase?: boolean; wildcard?: boolean } = {}): QueryNode => ({
  type: 'term',
  field,
  value,
  phrase: opts.phrase ?? false,
  wildcard: opts.wildcard ?? false,
});
const range = (field: string, op: 'gt' | 'gte' | 'lt' | 'lte', value: string): QueryNode => ({
  type: 'range',
  field,
  op,
  value,
});
const exists = (field: string): QueryNode => ({ type: 'exists', field });
const text = (value: string, opts: { phrase?: boolean; wildcard?: boolean } = {}): QueryNode => ({
  type: 'text',
  value,
  phrase: opts.phrase ?? false,
  wildcard: opts.wildcard ?? false,
});

/** Every successful parse must also survive a format → parse round trip. */
function parses(input: string, expected: QueryNode): void {
  const ast = parseQuery(input);
  assert.deepEqual(ast, expected, `parse ${JSON.stringify(input)}`);
  assert.deepEqual(parseQuery(formatQuery(ast)), ast, `round trip ${JSON.stringify(input)} → ${formatQuery(ast)}`);
}

function fails(input: string, position: number, message?: RegExp): void {
  assert.throws(
    () => parseQuery(input),
    (err: unknown) => {
      assert.ok(err instanceof KyokaError, `expected KyokaError, got ${String(err)}`);
      assert.equal(err.code, 'KYOKA_E_BAD_QUERY');
      assert.equal(err.details?.position, position, `position for ${JSON.stringify(input)}: ${err.message}`);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

// ---- cases -------------------------------------------------------------------------------------

const CASES: [string, QueryNode][] = [
  // empty
  ['', all],
  ['  \t\n ', all],
  ['*', all],
  ['*:*', all],
  // field:value
  ['user.name:root', term('user.name', 'root')],
  ['@timestamp:2024-01-01', term('@timestamp', '2024-01-01')],
  ['user.name:"John Smith"', term('user.name', 'John Smith', { phrase: true })],
  ['user.name:"say \\"hi\\" \\\\o/"', term('user.name', 'say "hi" \\o/', { phrase: true })],
  ['user.name:"adm*"', term('user.name', 'adm*', { phrase: true })],
  ['user.name:""', term('user.name', '', { phrase: true })],
  ['user.name:José', term('user.name', 'José')],
  ['user.name:and', term('user.name', 'and')],
  ['not:x', term('not', 'x')],
  ['user.name : root', term('user.name', 'root')],
  ['user.name: root', term('user.name', 'root')],
  // wildcards and escapes
  ['user.name:adm*', term('user.name', 'adm*', { wildcard: true })],
  ['user.name:ad?in', term('user.name', 'ad?in', { wildcard: true })],
  ['file.name:a\\*b', term('file.name', 'a*b')],
  ['url.path:\\/etc\\/passwd', term('url.path', '/etc/passwd')],
  ['kyoka.note:a\\:b\\ c', term('kyoka.note', 'a:b c')],
  ['user.name:\\*', term('user.name', '*')],
  // `(` ends a bare value: this is `url.original:a` and free text `b`
  ['url.original:a(b)', and(term('url.original', 'a'), text('b'))],
  // exists
  ['user.name:*', exists('user.name')],
  // value lists
  [
    'user.name:(root or admin or guest)',
    or(term('user.name', 'root'), term('user.name', 'admin'), term('user.name', 'guest')),
  ],
  ['user.name:(root and not admin)', and(term('user.name', 'root'), not(term('user.name', 'admin')))],
  [
    'event.action:(ssh.login "a b" adm*)',
    and(
      term('event.action', 'ssh.login'),
      term('event.action', 'a b', { phrase: true }),
      term('event.action', 'adm*', { wildcard: true }),
    ),
  ],
  [
    'source.port:(22 or (80 and -81))',
    or(term('source.port', '22'), and(term('source.port', '80'), not(term('source.port', '81')))),
  ],
  ['source.ip:(::1 or 10.0.0.0/8)', or(term('source.ip', '::1'), term('source.ip', '10.0.0.0/8'))],
  ['user.name:(*)', exists('user.name')],
  // CIDR and IPv6
  ['source.ip:10.0.0.0/8', term('source.ip', '10.0.0.0/8')],
  ['source.ip:2001\\:db8\\:\\:/32', term('source.ip', '2001:db8::/32')],
  ['source.ip:"2001:db8::/32"', term('source.ip', '2001:db8::/32', { phrase: true })],
  ['source.ip:2001:db8::1', term('source.ip', '2001:db8::1')],
  ['source.ip:::1', term('source.ip', '::1')],
  ['(source.ip:::1)', term('source.ip', '::1')],
  // the README example
  [
    'source.ip:10.0.0.0/8 and event.action:ssh.login_attempt and not user.name:root',
    and(term('source.ip', '10.0.0.0/8'), term('event.action', 'ssh.login_attempt'), not(term('user.name', 'root'))),
  ],
  // boolean logic and precedence
  ['a and b or c', or(and(text('a'), text('b')), text('c'))],
  ['a or b and c', or(text('a'), and(text('b'), text('c')))],
  ['not a and b', and(not(text('a')), text('b'))],
  ['not (a and b)', not(and(text('a'), text('b')))],
  ['(a or b) and c', and(or(text('a'), text('b')), text('c'))],
  ['a b c', and(text('a'), text('b'), text('c'))],
  ['a and (b and (c and d))', and(text('a'), text('b'), text('c'), text('d'))],
  ['a or (b or c) or d', or(text('a'), text('b'), text('c'), text('d'))],
  ['(((a)))', text('a')],
  ['a AND b OR NOT c', or(and(text('a'), text('b')), not(text('c')))],
  ['a And b oR nOt c', or(and(text('a'), text('b')), not(text('c')))],
  ['a && b || !c', or(and(text('a'), text('b')), not(text('c')))],
  ['a&&b||c', or(and(text('a'), text('b')), text('c'))],
  ['-user.name:root +event.action:x', and(not(term('user.name', 'root')), term('event.action', 'x'))],
  ['not not a', text('a')],
  ['!-not a', not(text('a'))],
  ['not(a)', not(text('a'))],
  ['a - b', and(text('a'), not(text('b')))],
  ['* and a', text('a')],
  ['* or a', all],
  ['not *', not(all)],
  [
    'user.name:(root or admin) and source.ip:10.0.0.0/8',
    and(or(term('user.name', 'root'), term('user.name', 'admin')), term('source.ip', '10.0.0.0/8')),
  ],
  // comparisons
  ['destination.port >= 1024', range('destination.port', 'gte', '1024')],
  ['destination.port > 1024', range('destination.port', 'gt', '1024')],
  ['destination.port<1024', range('destination.port', 'lt', '1024')],
  ['destination.port <=1024', range('destination.port', 'lte', '1024')],
  ['destination.port:>=1024', range('destination.port', 'gte', '1024')],
  ['@timestamp >= "2024-01-01 00:00"', range('@timestamp', 'gte', '2024-01-01 00:00')],
  ['@timestamp < 2024-01-01T00:00:00Z', range('@timestamp', 'lt', '2024-01-01T00:00:00Z')],
  ['and>=5', range('and', 'gte', '5')],
  ['source.port:(>1024 and <2048)', and(range('source.port', 'gt', '1024'), range('source.port', 'lt', '2048'))],
  // Lucene ranges
  [
    'destination.port:[1 TO 1024]',
    and(range('destination.port', 'gte', '1'), range('destination.port', 'lte', '1024')),
  ],
  ['destination.port:{1 TO 1024}', and(range('destination.port', 'gt', '1'), range('destination.port', 'lt', '1024'))],
  ['destination.port:[1 to 1024}', and(range('destination.port', 'gte', '1'), range('destination.port', 'lt', '1024'))],
  ['destination.port:{1 TO *]', range('destination.port', 'gt', '1')],
  ['destination.port:[* TO 1024}', range('destination.port', 'lt', '1024')],
  ['destination.port:[* TO *]', exists('destination.port')],
  [
    '@timestamp:[2024-01-01T00:00:00Z TO "2024-02-01 00:00"]',
    and(range('@timestamp', 'gte', '2024-01-01T00:00:00Z'), range('@timestamp', 'lte', '2024-02-01 00:00')),
  ],
  ['f:[TO TO z]', and(range('f', 'gte', 'TO'), range('f', 'lte', 'z'))],
  ['a:[1 TO 2] or b:x', or(and(range('a', 'gte', '1'), range('a', 'lte', '2')), term('b', 'x'))],
  // free text
  ['ssh', text('ssh')],
  ['"failed password"', text('failed password', { phrase: true })],
  ['adm*', text('adm*', { wildcard: true })],
  ['\\and', text('and')],
  ['10.0.0.1', text('10.0.0.1')],
  ['a\\:b', text('a:b')],
  ['"2001:db8::1"', text('2001:db8::1', { phrase: true })],
  ['ssh-login a=b', and(text('ssh-login'), text('a=b'))],
  ['failed "invalid user" -root', and(text('failed'), text('invalid user', { phrase: true }), not(text('root')))],
];

describe('parseQuery', () => {
  for (const [input, expected] of CASES) {
    test(`parses ${JSON.stringify(input)}`, () => parses(input, expected));
  }

  test('formats canonical text', () => {
    const canon: [string, string][] = [
      ['a AND b OR NOT c', 'a and b or not c'],
      ['(a || b) && c', '(a or b) and c'],
      ['-(a b)', 'not (a and b)'],
      ['destination.port:[1 TO 1024}', 'destination.port >= 1 and destination.port < 1024'],
      ['user.name:"John Smith" adm*', 'user.name:"John Smith" and adm*'],
      ['file.name:a\\*b', 'file.name:a\\*b'],
      ['"and" \\-x', '"and" and \\-x'],
      ['f:\\[x', 'f:\\[x'],
      ['', '*'],
      ['port>or', 'port > \\or'],
      ['and>=5', 'and>= 5'],
    ];
    for (const [input, expected] of canon) assert.equal(formatQuery(parseQuery(input)), expected);
  });
});

describe('parseQuery errors', () => {
  const ERRORS: [string, number, RegExp?][] = [
    ['(a', 0, /never closed/],
    ['a and (b or (c)', 6, /never closed/],
    ['a)', 1, /no matching/],
    [')', 0, /no matching/],
    ['()', 1, /Empty parentheses/],
    ['a and', 2, /Dangling operator 'and'/],
    ['a ||', 2, /Dangling operator '\|\|'/],
    ['and a', 0, /Unexpected 'and'/],
    ['a or or b', 5, /found 'or'/],
    ['(a or)', 5, /found '\)'/],
    ['not', 0, /Dangling operator 'not'/],
    ['a -', 2, /Dangling operator '-'/],
    ['user.name:', 10, /Missing value after 'user.name:'/],
    ['user.name: ', 10, /Missing value/],
    ['user.name: and x', 10, /Missing value/],
    ['(user.name:)', 11, /Missing value/],
    ['user.name:&&x', 10, /Missing value/],
    ['user.name:"root', 10, /Unterminated quote/],
    ['"abc', 0, /Unterminated quote/],
    ['"abc\\"', 0, /Unterminated quote/],
    ['a\\', 1, /Dangling escape/],
    ['f:[1 TO 5', 9, /expected '\]' or '\}'/],
    ['f:[1 TO 5)', 9, /expected '\]' or '\}'/],
    ['f:[1 5]', 5, /expected 'TO'/],
    ['f:[1 TO ]', 8, /missing upper bound/],
    ['f:[]', 3, /missing lower bound/],
    ['f:[TO 5]', 3, /missing lower bound/],
    ['f:]', 2, /Unexpected '\]'/],
    ['port >=', 7, /Missing value after 'port >='/],
    ['port >= or x', 7, /Missing value/],
    ['port >= *', 8, /'\*' is not a bound/],
    ['port >= and', 7, /Missing value/],
    ['port > >5', 7, /Bad range/],
    ['>= 5', 0, /needs a field/],
    ['[1 TO 2]', 0, /range needs a field/],
    [':x', 0, /field name before ':'/],
    ['2001:db8::1', 0, /Invalid field name '2001'/],
    ['a b:c *:x', 6, /'\*' is not a field name/],
    ['a:(b', 2, /never closed/],
    ['x'.repeat(MAX_QUERY_LENGTH + 1), MAX_QUERY_LENGTH, /too long/],
  ];
  for (const [input, position, message] of ERRORS) {
    test(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 20)}…` : input)} at ${position}`, () =>
      fails(input, position, message));
  }

  test('limits nesting depth', () => {
    const ok = `${'('.repeat(MAX_QUERY_DEPTH)}a${')'.repeat(MAX_QUERY_DEPTH)}`;
    assert.deepEqual(parseQuery(ok), text('a'));
    fails(
      `${'('.repeat(MAX_QUERY_DEPTH + 1)}a${')'.repeat(MAX_QUERY_DEPTH + 1)}`,
      MAX_QUERY_DEPTH,
      /nested too deeply/,
    );
    fails(`${'!'.repeat(MAX_QUERY_DEPTH + 1)}a`, MAX_QUERY_DEPTH, /nested too deeply/);
  });

  test('rejects non-string input', () => {
    assert.throws(
      () => parseQuery(42 as unknown as string),
      (e: unknown) => e instanceof KyokaError,
    );
  });
});

describe('hostile input', () => {
  test('4 KB deeply nested inputs fail fast with a depth error', () => {
    const inputs = [
      `${'('.repeat(2000)}a${')'.repeat(2000)}`,
      `${'user.name:('.repeat(300)}a${')'.repeat(300)}`,
      `${'not '.repeat(1000)}a`,
      '!'.repeat(MAX_QUERY_LENGTH),
      '('.repeat(MAX_QUERY_LENGTH),
    ];
    for (const input of inputs) {
      assert.ok(input.length <= MAX_QUERY_LENGTH, `length ${input.length}`);
      const t0 = performance.now();
      assert.throws(
        () => parseQuery(input),
        (e: unknown) => e instanceof KyokaError && /nested too deeply/.test(e.message),
      );
      assert.ok(performance.now() - t0 < 50, 'fast');
    }
  });

  test('4 KB flat inputs parse', () => {
    const words = Array.from({ length: 500 }, (_, i) => `f${i}:v`);
    const input = words
      .join(' or ')
      .slice(0, MAX_QUERY_LENGTH)
      .replace(/ or f?\d*:?v?$/, '');
    const ast = parseQuery(input);
    assert.equal(ast.type, 'or');
    assert.deepEqual(parseQuery(formatQuery(ast)), ast);
    const quotes = `"${'\\"'.repeat(2000)}"`;
    assert.deepEqual(parseQuery(quotes), text('"'.repeat(2000), { phrase: true }));
  });

  test('10k random strings: an AST that round-trips, or KYOKA_E_BAD_QUERY with a position', () => {
    const rand = rng(0x6b796f6b);
    const alphabet = [
      'a',
      'b',
      'x.y',
      '@t',
      '1',
      '::',
      ':',
      '"',
      '\\',
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      '*',
      '?',
      ' ',
      '  ',
      '\t',
      'and',
      'or',
      'not',
      'AND',
      'Or',
      'TO',
      'to',
      '-',
      '+',
      '!',
      '&',
      '&&',
      '|',
      '||',
      '>',
      '<',
      '=',
      '>=',
      '.',
      '/',
      'é',
      '😀',
      '\u0000',
      '\n',
      'user.name:',
      'f:[',
      ' TO ',
      'f:(',
      'f >= ',
    ];
    let ok = 0;
    let bad = 0;
    const t0 = performance.now();
    for (let n = 0; n < 10_000; n++) {
      const len = Math.floor(rand() * 30);
      let input = '';
      for (let i = 0; i < len; i++) input += alphabet[Math.floor(rand() * alphabet.length)];
      let ast: QueryNode;
      try {
        ast = parseQuery(input);
      } catch (err) {
        if (!(err instanceof KyokaError)) assert.fail(`${JSON.stringify(input)} threw ${String(err)}`);
        assert.ok(err instanceof KyokaError, `${JSON.stringify(input)} threw ${String(err)}`);
        assert.equal(err.code, 'KYOKA_E_BAD_QUERY');
        const pos = err.details?.position;
        assert.ok(typeof pos === 'number' && pos >= 0 && pos <= input.length, `${JSON.stringify(input)}: ${pos}`);
        bad++;
        continue;
      }
      ok++;
      const formatted = formatQuery(ast);
      let again: QueryNode;
      try {
        again = parseQuery(formatted);
      } catch (err) {
        assert.fail(`${JSON.stringify(input)} → ${JSON.stringify(formatted)} threw ${String(err)}`);
      }
      assert.deepEqual(again, ast, `${JSON.stringify(input)} → ${JSON.stringify(formatted)}`);
    }
    assert.ok(ok > 500 && bad > 500, `both outcomes exercised (ok ${ok}, bad ${bad})`);
    assert.ok(performance.now() - t0 < 5000, 'fast');
  });
});
