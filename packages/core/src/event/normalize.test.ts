import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import { normalizeEvent, normalizeIp } from './normalize.ts';
import { isUlid, ulidTime } from './ulid.ts';

const opts = { receivedAt: Date.UTC(2026, 10, 21, 10, 0, 0), source: 'api' };

function badField(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT' && e.details?.field === field);
}

describe('normalizeEvent', () => {
  it('completes id, @timestamp, event.kind, event.ingested and kyoka.source', () => {
    const e = normalizeEvent({ message: 'x' }, opts);
    assert.ok(isUlid(e.id));
    assert.equal(ulidTime(e.id), opts.receivedAt);
    assert.equal(e['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(e.event.kind, 'event');
    assert.equal(e.event.ingested, '2026-11-21T10:00:00.000Z');
    assert.equal(e.kyoka?.source, 'api');
  });
  it('keeps producer ids and times, accepting epoch ms and other ISO forms', () => {
    const e = normalizeEvent({ id: 'sensor-1:42', '@timestamp': '2025-01-06T15:35:28.440548Z' }, opts);
    assert.equal(e.id, 'sensor-1:42');
    assert.equal(e['@timestamp'], '2025-01-06T15:35:28.440Z');
    assert.equal(normalizeEvent({ '@timestamp': 0 }, opts)['@timestamp'], '1970-01-01T00:00:00.000Z');
    assert.equal(normalizeEvent({ timestamp: '2025-01-06T16:35:28+01:00' }, opts)['@timestamp'], '2025-01-06T15:35:28.000Z');
  });
  it('folds IPv4-mapped addresses and canonicalizes IPv6; coerces numeric port strings', () => {
    const e = normalizeEvent({ source: { ip: '::ffff:192.0.2.1', port: '22' }, destination: { ip: '2001:DB8:0:0::1' } }, opts);
    assert.equal(e.source?.ip, '192.0.2.1');
    assert.equal(e.source?.port, 22);
    assert.equal(e.destination?.ip, '2001:db8::1');
    assert.equal(normalizeIp('010.1.1.1'), undefined);
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
  });
  it('turns single category/type strings into lists', () => {
    const e = normalizeEvent({ event: { category: 'authentication', type: ['start'] } }, opts);
    assert.deepEqual(e.event.category, ['authentication']);
  });
  it('rejects bad values naming the field', () => {
    badField(() => normalizeEvent({ source: { ip: 'nope' } }, opts), 'source.ip');
    badField(() => normalizeEvent({ destination: { port: 70000 } }, opts), 'destination.port');
    badField(() => normalizeEvent({ '@timestamp': 'soon' }, opts), '@timestamp');
    badField(() => normalizeEvent({ '@timestamp': 9e15 }, opts), '@timestamp');
    badField(() => normalizeEvent({ id: '../../etc/passwd' }, opts), 'id');
    badField(() => normalizeEvent({ event: { action: 5 } }, opts), 'event.action');
    badField(() => normalizeEvent({ event: { category: [1] } }, opts), 'event.category');
    badField(() => normalizeEvent({ user: { name: {} } }, opts), 'user.name');
    badField(() => normalizeEvent([] as never, opts), '(event)');
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) deep = deep.a = {};
    badField(() => normalizeEvent(root, opts), '(event)');
  });
});
