import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import { createJsonParser } from './json.ts';
import type { AnyEvent } from './programs/test-helpers.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'json-in' };
const p = createJsonParser();
const one = (input: string | Record<string, unknown>) => p.parse(input, ctx)[0] as AnyEvent;

describe('json parser', () => {
  it('keeps an ECS-shaped event and normalizes IPs', () => {
    const line =
      '{"@timestamp":"2026-11-20T08:00:00.5+01:00","event":{"action":"waf.block","kind":"alert"},"source":{"ip":"::ffff:203.0.113.9","port":"4444"},"destination":{"ip":"not-an-ip"},"id":"01J0000000000000000000000A"}';
    const ev = one(line);
    assert.equal(ev['@timestamp'], '2026-11-20T07:00:00.500Z');
    assert.equal(ev.event.action, 'waf.block');
    assert.equal(ev.event.kind, 'alert');
    assert.equal(ev.event.original, line);
    assert.equal(ev.event.dataset, 'json');
    assert.deepEqual(ev.source, { ip: '203.0.113.9', port: 4444 });
    assert.equal(ev.destination.ip, undefined);
    assert.equal(JSON.stringify(ev.destination), '{}');
    assert.equal(ev.kyoka.source, 'json-in');
    assert.equal(ev.id, '01J0000000000000000000000A');
  });

  it('folds flat dotted keys and reads timestamp/time', () => {
    const ev = one({ 'source.ip': '192.0.2.1', 'user.name': 'bob', 'event.action': 'x.y', timestamp: 1_763_712_000 });
    assert.equal(ev.source.ip, '192.0.2.1');
    assert.equal(ev.user.name, 'bob');
    assert.equal(ev.event.action, 'x.y');
    assert.equal(ev['@timestamp'], '2025-11-21T08:00:00.000Z');
    assert.equal(one({ time: '2026-01-02 03:04:05' })['@timestamp'], '2026-01-02T03:04:05.000Z');
    assert.equal(one({ time: 'yesterday' })['@timestamp'], '2026-11-21T12:00:00.000Z');
  });

  it('does not mutate the caller object', () => {
    const obj = { event: { action: 'a' }, source: { ip: '::ffff:1.2.3.4' } };
    one(obj);
    assert.deepEqual(obj, { event: { action: 'a' }, source: { ip: '::ffff:1.2.3.4' } });
  });

  it('moves wrong-typed reserved fields aside instead of failing later', () => {
    const ev = one({ source: 'app-7', event: 'login', message: 42, user: { name: 7 } });
    assert.deepEqual(ev.kyoka.unmapped, { source: 'app-7', event: 'login', message: 42, 'user.name': 7 });
    assert.equal(ev.source, undefined);
    assert.equal(typeof ev.event.original, 'string');
  });

  it('refuses prototype-polluting keys', () => {
    const ev = one(JSON.parse('{"__proto__.polluted": 1, "a.__proto__.b": 2, "constructor.prototype.x": 3, "ok": 1}'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).b, undefined);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(ev.ok, 1);
  });

  it('accepts the HIDS agent record of seed 004 as-is', () => {
    const line =
      '{"type": "agent_log", "data": {"agent_id": "e84c3f67464b7d3358a99bc232a6761a", "server_ip": "192.168.1.101", "server_mac": "00-00-00-00-00-00", "server_tag": "nginx-01-payment", "server_log": {"log_type": "syslog", "log_path": "/var/log/system.log", "log_time": "2017-12-06 1:00:00", "log_user": "bogon", "log_data": "...", "mailious_tag": "FALSE"}}}';
    const ev = one(line);
    assert.equal(ev.type, 'agent_log');
    assert.equal(ev.data.server_tag, 'nginx-01-payment');
  });

  it('splits an array into events and refuses non-objects', () => {
    const evs = p.parse('[{"a":1},{"b":2}]', ctx);
    assert.equal(evs.length, 2);
    assert.equal(evs[1]?.event?.original, '{"b":2}');
    for (const bad of ['42', '"x"', 'null', '[1,2]', '{', '']) {
      assert.throws(
        () => p.parse(bad, ctx),
        (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
        bad,
      );
    }
  });
});
