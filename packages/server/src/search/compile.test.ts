import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_TYPES, fieldType, HOT_FIELDS, type KyokaError } from '@kyoka/core';
import type { QueryNode } from '@kyoka/core/query/ast';
import { ipKey, ipRange, keyToIp } from '../store/ip.ts';
import { COLUMN_FIELDS } from './columns.ts';
import { checkQuerySize, compile, compileWhere, MAX_PREDICATES, Params } from './compile.ts';
import { globPattern, likePattern } from './sql-util.ts';
import { specMatcher, textSpec, tokens } from './tokens.ts';

const term = (field: string, value: string, wildcard = false): QueryNode => ({
  type: 'term',
  field,
  value,
  phrase: false,
  wildcard,
});

describe('query compiler', () => {
  it('never puts values into the SQL text', () => {
    const evil = "x'); DROP TABLE users; --";
    for (const dialect of ['sqlite', 'postgres'] as const) {
      for (const q of [
        term('event.action', evil),
        term('event.action', `${evil}*`, true),
        term('message', evil),
        term('kyoka.note', evil),
        { type: 'text', value: evil, phrase: true, wildcard: false } as QueryNode,
      ]) {
        const { sql, params } = compile(q, dialect);
        assert.ok(!sql.includes('DROP'), sql);
        // free text carries the query as (lowercased) tokens
        assert.ok(params.some((p) => /drop/i.test(String(p))));
      }
    }
  });

  it('rejects field names outside the allowed pattern', () => {
    for (const f of ['a b', "a'", 'a"b', '$.a', 'a..b', 'a.', '.a', 'a;b', 'a\\b', '', 'x'.repeat(300)]) {
      assert.throws(
        () => compile(term(f, 'v'), 'sqlite'),
        (e: unknown) => (e as KyokaError).code === 'KYOKA_E_BAD_QUERY',
        f,
      );
    }
  });

  it('maps hot fields to columns and other fields to JSON path parameters', () => {
    assert.deepEqual(compile(term('event.action', 'a'), 'sqlite'), { sql: 't.action = ?', params: ['a'] });
    assert.deepEqual(compile(term('event.action', 'a'), 'postgres'), { sql: 't.action = $1', params: ['a'] });
    const s = compile(term('kyoka.opencanary.node_id', 'n1'), 'sqlite');
    assert.ok(s.params.includes('$."kyoka"."opencanary"."node_id"'));
    const p = compile(term('kyoka.opencanary.node_id', 'n1'), 'postgres');
    assert.ok(p.params.some((x) => Array.isArray(x) && x.join('.') === 'kyoka.opencanary.node_id'));
  });

  it('numbers placeholders in text order across a shared Params', () => {
    const params = new Params('postgres');
    const a = compileWhere(term('event.action', 'a'), { params, alias: 't' });
    const b = compileWhere(term('user.name', 'b'), { params, alias: 'u' });
    assert.equal(`${a} ${b}`, 't.action = $1 u.user_name = $2');
  });

  it('NOT coalesces NULL to false', () => {
    const { sql } = compile({ type: 'not', child: term('user.name', 'root') }, 'sqlite');
    assert.equal(sql, '(NOT COALESCE(t.user_name = ?, FALSE))');
  });

  it('IP terms become key ranges', () => {
    const { sql, params } = compile(term('source.ip', '10.0.0.0/8'), 'sqlite');
    assert.equal(sql, 't.src_ip_key BETWEEN ? AND ?');
    assert.deepEqual(params, ['00000000000000000000ffff0a000000', '00000000000000000000ffff0affffff']);
  });

  it('escapes LIKE and GLOB patterns', () => {
    assert.equal(likePattern('a%b_c\\d*e?', true, false), 'a\\%b\\_c\\\\d%e_');
    assert.equal(likePattern('50%', false, true), '%50\\%%');
    assert.equal(globPattern('a[b]*'), 'a[[]b]*');
  });
});

describe('query size and lookup tables', () => {
  const words = (n: number): QueryNode => ({
    type: 'and',
    children: Array.from({ length: n }, (_, i) => ({ type: 'text', value: `w${i}`, phrase: false, wildcard: false })),
  });
  /** Deepest parenthesis nesting of the SQL text (a proxy for the parser's expression depth). */
  const depth = (sql: string) => {
    let d = 0;
    let max = 0;
    for (const c of sql) {
      if (c === '(') max = Math.max(max, ++d);
      else if (c === ')') d--;
    }
    return max;
  };

  it('joins long AND / OR lists as a balanced tree, parameters in text order', () => {
    const ors: QueryNode = {
      type: 'or',
      children: Array.from({ length: MAX_PREDICATES }, (_, i) => term('event.action', `a${i}`)),
    };
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const { sql, params } = compile(ors, dialect);
      assert.equal(sql.split(' OR ').length, MAX_PREDICATES);
      assert.ok(depth(sql) <= 8, `${dialect}: depth ${depth(sql)}`);
      assert.deepEqual(
        params,
        Array.from({ length: MAX_PREDICATES }, (_, i) => `a${i}`),
      );
      if (dialect === 'postgres') assert.match(sql, new RegExp(`t\\.action = \\$${MAX_PREDICATES}\\)+$`));
    }
    assert.ok(depth(compile(words(MAX_PREDICATES), 'sqlite').sql) < 40);
  });

  it('refuses more than MAX_PREDICATES field clauses and words as a bad query', () => {
    assert.equal(checkQuerySize(words(MAX_PREDICATES)), MAX_PREDICATES);
    const sentence: QueryNode = { type: 'text', value: Array(999).fill('a').join(' '), phrase: false, wildcard: false };
    const phrase: QueryNode = { type: 'text', value: Array(999).fill('a').join(' '), phrase: true, wildcard: false };
    assert.equal(checkQuerySize(phrase), 1);
    for (const q of [words(MAX_PREDICATES + 1), words(999), sentence]) {
      for (const dialect of ['sqlite', 'postgres'] as const) {
        assert.throws(
          () => compile(q, dialect),
          (e: unknown) => (e as KyokaError).code === 'KYOKA_E_BAD_QUERY' && /too many terms/.test((e as Error).message),
        );
      }
    }
  });

  it('treats Object.prototype member names as ordinary doc fields', () => {
    for (const f of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
      assert.equal(COLUMN_FIELDS[f], undefined, f);
      assert.equal(HOT_FIELDS[f], undefined, f);
      assert.equal(FIELD_TYPES[f], undefined, f);
      assert.equal(fieldType(f), 'keyword', f);
      for (const dialect of ['sqlite', 'postgres'] as const) {
        for (const q of [
          term(f, 'x'),
          term(f, 'x*', true),
          { type: 'exists', field: f } as QueryNode,
          { type: 'range', field: f, op: 'gt', value: '1' } as QueryNode,
        ]) {
          const { sql, params } = compile(q, dialect);
          assert.ok(!sql.includes('undefined'), `${f} ${dialect}: ${sql}`);
          assert.ok(/json_each|jsonb|json_type/.test(sql), `${f} ${dialect} reads doc: ${sql}`);
          assert.ok(
            params.some((p) => JSON.stringify(p).includes(f)),
            `${f} travels as a JSON path parameter`,
          );
        }
      }
    }
  });
});

describe('free-text tokens', () => {
  it('splits the way an analyst searches', () => {
    assert.deepEqual(tokens('Failed password for ROOT from 203.0.113.7 port 22.'), [
      'failed',
      'password',
      'for',
      'root',
      'from',
      '203.0.113.7',
      'port',
      '22',
    ]);
    assert.deepEqual(tokens('GET http://example.com/etc/passwd admin@example.org'), [
      'get',
      'http',
      'example.com',
      'etc',
      'passwd',
      'admin',
      'example.org',
    ]);
    assert.deepEqual(tokens('Ünïcödé STRAßE'), ['unicode', 'straße']);
  });

  it('matches tokens, prefixes, phrases and one-token globs', () => {
    const m = (q: string, wildcard: boolean, doc: unknown) => specMatcher(textSpec(q, wildcard)!)(doc);
    assert.equal(m('/etc/passwd', false, { a: 'cat /ETC/passwd;' }), true);
    assert.equal(m('/etc/passwd', false, { a: 'etc', b: 'passwd' }), false, 'no phrase across values');
    assert.equal(m('pass*', true, { a: 'password' }), true);
    assert.equal(m('ass*', true, { a: 'password' }), false);
    assert.equal(m('p?ss*d', true, { a: 'pass word' }), false, 'a glob stays inside one token');
    assert.equal(m('p*d', true, { a: 'password' }), true);
    assert.equal(m('1.2.3.4', false, { a: 'from 1.2.3.40' }), false);
  });
});

describe('ip keys', () => {
  it('maps IPv4 into ::ffff:0:0/96 and round-trips', () => {
    assert.equal(ipKey('1.2.3.4'), '00000000000000000000ffff01020304');
    assert.equal(ipKey('::ffff:1.2.3.4'), ipKey('1.2.3.4'));
    assert.equal(ipKey('2001:db8::1'), '20010db8000000000000000000000001');
    assert.equal(keyToIp(ipKey('1.2.3.4')!), '1.2.3.4');
    assert.equal(keyToIp(ipKey('2001:0db8:0:0::1')!), '2001:db8::1');
  });

  it('rejects non-IPs', () => {
    for (const s of ['', '1.2.3', '1.2.3.256', '01.2.3.4', 'a.b.c.d', '1.2.3.4/8', 'zz::1', ':::']) {
      assert.equal(ipKey(s), null, s);
    }
    assert.equal(ipKey(42), null);
  });

  it('computes CIDR ranges', () => {
    assert.deepEqual(ipRange('10.1.2.3/16'), {
      lo: '00000000000000000000ffff0a010000',
      hi: '00000000000000000000ffff0a01ffff',
    });
    assert.deepEqual(ipRange('2001:db8::/32'), {
      lo: '20010db8000000000000000000000000',
      hi: '20010db8ffffffffffffffffffffffff',
    });
    assert.deepEqual(ipRange('0.0.0.0/0'), {
      lo: '00000000000000000000ffff00000000',
      hi: '00000000000000000000ffffffffffff',
    });
    assert.equal(ipRange('10.0.0.0/33'), null);
    assert.equal(ipRange('::/129'), null);
    assert.equal(ipRange('10.0.0.0/x'), null);
  });
});
