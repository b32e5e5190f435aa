/** Shared conformance suite: every registered parser, fed junk, gives events or BAD_EVENT. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import type { EventInput } from '../event/types.ts';
import { createParser, PARSER_TYPES } from './index.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'conf', peerIp: '192.0.2.1' };
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function junk(n: number, seed: number): string {
  let s = '';
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += String.fromCharCode(x % 0xffff);
  }
  return s;
}

const STRINGS: string[] = [
  '',
  ' ',
  'hello',
  '{',
  '}',
  '[]',
  '[1]',
  'null',
  '0',
  '"str"',
  '{"logtype": "x"}',
  '{"eventName": 5}',
  '<13>',
  '<191>1 ',
  '<13>1 - - - - - [',
  '\u0000\u0001\u0002',
  '\uFEFF{"a":1}',
  junk(200, 1),
  junk(5000, 2),
  `{"a":${'['.repeat(5000)}`,
  'x'.repeat(100_000),
  `<13>Nov 21 10:00:00 h sshd[1]: Failed password for ${'a '.repeat(50_000)}`,
  `{"logtype": 2000, "src_host": "${'1'.repeat(100_000)}"}`,
  '{"eventName":"HTTPRequest","url":"http://[::1","destinationPort":99999,"sourceIP":"::ffff:999.1.1.1"}',
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}',
];
const OBJECTS: Record<string, unknown>[] = [
  {},
  { logtype: null },
  { logtype: 2000, logdata: 'not-an-object', src_port: 'abc', dst_port: 1e9 },
  { eventName: 'HTTPResponse', status: 'x', bytes: -5, timestamp: {} },
  { message: 42 },
  { event: [], source: 7, '@timestamp': 'never' },
  { a: { b: { c: { d: [1, 2, { e: null }] } } } },
];

function check(type: string, events: EventInput[]): void {
  assert.ok(Array.isArray(events), type);
  for (const ev of events) {
    assert.equal(typeof ev.event?.original, 'string', `${type}: event.original`);
    assert.match(String(ev['@timestamp']), ISO_RE, `${type}: @timestamp`);
    assert.equal(ev.kyoka?.source, 'conf', `${type}: kyoka.source`);
    const ip = ev.source?.ip;
    if (ip !== undefined) assert.ok(/^[0-9a-f.:]+$/i.test(String(ip)), `${type}: source.ip ${String(ip)}`);
  }
}

function run(type: string, input: string | Record<string, unknown>): void {
  const p = createParser(type as (typeof PARSER_TYPES)[number]);
  let events: EventInput[];
  try {
    events = p.parse(input, ctx);
  } catch (err) {
    assert.ok(err instanceof KyokaError, `${type}: threw ${String(err)}`);
    assert.equal(err.code, 'KYOKA_E_BAD_EVENT');
    return;
  }
  check(type, events);
}

describe('parser conformance', () => {
  for (const type of PARSER_TYPES) {
    it(`${type}: junk strings give events or BAD_EVENT`, () => {
      const t0 = performance.now();
      for (const s of STRINGS) run(type, s);
      assert.ok(performance.now() - t0 < 1000, 'pathological inputs finish fast');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
    it(`${type}: wrong-shape objects give events or BAD_EVENT`, () => {
      for (const o of OBJECTS) run(type, o);
      run(type, [1, 2] as unknown as Record<string, unknown>);
      run(type, null as unknown as Record<string, unknown>);
    });
  }
  it('createParser refuses unknown types', () => {
    assert.throws(() => createParser('nope' as 'json'), KyokaError);
  });
});
