import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import { isoMsTime, normalizeEvent, normalizeIp } from './normalize.ts';
import type { EventInput } from './types.ts';
import { isUlid, ulidTime } from './ulid.ts';

const opts = { receivedAt: Date.UTC(2026, 10, 21, 10, 0, 0), source: 'api' };
/** Inputs are deliberately mistyped: producers send anything. */
const norm = (e: unknown) => normalizeEvent(e as EventInput, opts);

function badField(fn: () => unknown, field: string): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT' && e.details?.field === field,
  );
}

describe('normalizeEvent', () => {
  it('completes id, @timestamp, event.kind, event.ingested and kyoka.source', () => {
    const e = norm({ message: 'x' });
    assert.ok(isUlid(e.id));
    assert.equal(ulidTime(e.id), opts.receivedAt);
    assert.equal(e['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(e.event.kind, 'event');
    assert.equal(e.event.ingested, '2026-11-21T10:00:00.000Z');
    assert.equal(e.kyoka?.source, 'api');
  });
  it('keeps producer ids and times, accepting epoch ms and other ISO forms', () => {
    const e = norm({ id: 'sensor-1:42', '@timestamp': '2025-01-06T15:35:28.440548Z' });
    assert.equal(e.id, 'sensor-1:42');
    assert.equal(e['@timestamp'], '2025-01-06T15:35:28.440Z');
    assert.equal(norm({ '@timestamp': 0 })['@timestamp'], '1970-01-01T00:00:00.000Z');
    assert.equal(norm({ timestamp: '2025-01-06T16:35:28+01:00' })['@timestamp'], '2025-01-06T15:35:28.000Z');
  });
  it('folds IPv4-mapped addresses and canonicalizes IPv6; coerces numeric port strings', () => {
    const e = norm({ source: { ip: '::ffff:192.0.2.1', port: '22' }, destination: { ip: '2001:DB8:0:0::1' } });
    assert.equal(e.source?.ip, '192.0.2.1');
    assert.equal(e.source?.port, 22);
    assert.equal(e.destination?.ip, '2001:db8::1');
    assert.equal(normalizeIp('010.1.1.1'), undefined);
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
  });
  it('turns single category/type strings into lists', () => {
    const e = norm({ event: { category: 'authentication', type: ['start'] } });
    assert.deepEqual(e.event.category, ['authentication']);
  });
  it('rejects bad values naming the field', () => {
    badField(() => norm({ source: { ip: 'nope' } }), 'source.ip');
    badField(() => norm({ destination: { port: 70000 } }), 'destination.port');
    badField(() => norm({ '@timestamp': 'soon' }), '@timestamp');
    badField(() => norm({ '@timestamp': 9e15 }), '@timestamp');
    badField(() => norm({ id: '../../etc/passwd' }), 'id');
    badField(() => norm({ event: { action: 5 } }), 'event.action');
    badField(() => norm({ event: { category: [1] } }), 'event.category');
    badField(() => norm({ user: { name: {} } }), 'user.name');
    badField(() => norm([]), '(event)');
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) deep = deep.a = {};
    badField(() => norm(root), '(event)');
  });
});

describe('nesting limit', () => {
  // Depth of the root is 0; any value deeper than 16 is refused (containers or leaves alike).
  const nest = (levels: number, kind: 'obj' | 'arr', leaf: unknown): unknown => {
    let v: unknown = leaf;
    for (let i = 0; i < levels; i++) v = kind === 'obj' ? { a: v } : [v];
    return v;
  };
  const ok = (x: unknown) => {
    try {
      norm({ x });
      return true;
    } catch {
      return false;
    }
  };
  it('accepts values at depth 16 and refuses depth 17, for objects, arrays, leaves and empties', () => {
    // root {x: ...} puts the first nested container at depth 1
    for (const kind of ['obj', 'arr'] as const) {
      assert.equal(ok(nest(15, kind, 'leaf')), true, `${kind}: leaf at depth 16`);
      assert.equal(ok(nest(16, kind, 'leaf')), false, `${kind}: leaf at depth 17`);
      assert.equal(ok(nest(15, kind, {})), true, `${kind}: empty object at depth 16`);
      assert.equal(ok(nest(15, kind, [])), true, `${kind}: empty array at depth 16`);
      assert.equal(ok(nest(16, kind, {})), false, `${kind}: empty object at depth 17`);
      assert.equal(ok(nest(15, kind, null)), true, `${kind}: null at depth 16`);
      assert.equal(ok(nest(16, kind, null)), false, `${kind}: null at depth 17`);
    }
    assert.equal(ok([1, [2, nest(13, 'obj', 3)]]), true);
    assert.equal(ok([1, [2, nest(14, 'obj', 3)]]), false);
  });
});

describe('isoMsTime', () => {
  it('agrees with Date.parse on canonical times and leaves every other form to it', () => {
    const t0 = Date.UTC(1970, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      const t = t0 + Math.floor(Math.random() * 253_402_300_799_999);
      const s = new Date(t).toISOString();
      if (s.length === 24) assert.equal(isoMsTime(s), Date.parse(s), s);
    }
    for (const s of [
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      '2026-12-31T12:00:00.500Z',
    ])
      assert.equal(isoMsTime(s), Date.parse(s), s);
    for (const s of [
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:00.000+00:00',
      '2026-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '2026-01-01 00:00:00.000Z',
      '2026-1a-01T00:00:00.000Z',
    ])
      assert.ok(Number.isNaN(isoMsTime(s)), s);
  });
});
