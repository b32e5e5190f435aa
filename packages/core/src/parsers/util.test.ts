import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeIp, receivedIso, toIsoTime, toPort } from './util.ts';

describe('parser utils', () => {
  it('normalizeIp', () => {
    assert.equal(normalizeIp('192.0.2.1'), '192.0.2.1');
    assert.equal(normalizeIp('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(normalizeIp('::FFFF:192.0.2.1'), '192.0.2.1');
    assert.equal(normalizeIp('::ffff:c000:0201'), '192.0.2.1');
    assert.equal(normalizeIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(normalizeIp('[2001:db8::1]'), '2001:db8::1');
    for (const bad of [
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '127.1',
      '0x7f.0.0.1',
      'host',
      '',
      '1.2.3.4 ',
      ':::',
      null,
      7,
    ]) {
      assert.equal(normalizeIp(bad), undefined, String(bad));
    }
  });

  it('toIsoTime', () => {
    assert.equal(toIsoTime('2019-01-07 13:47:45.817940'), '2019-01-07T13:47:45.817Z');
    assert.equal(toIsoTime('2025-01-06T15:35:28.440548Z'), '2025-01-06T15:35:28.440Z');
    assert.equal(toIsoTime('2026-11-21T10:00:00+0100'), '2026-11-21T09:00:00.000Z');
    assert.equal(toIsoTime('2024-02-29 00:00:00'), '2024-02-29T00:00:00.000Z');
    assert.equal(toIsoTime('2025-02-29 00:00:00'), undefined);
    assert.equal(toIsoTime('2025-04-31 00:00:00'), undefined);
    assert.equal(toIsoTime('2025-13-01 00:00:00'), undefined);
    assert.equal(toIsoTime(1_763_712_000), '2025-11-21T08:00:00.000Z');
    assert.equal(toIsoTime(1_763_712_000_123), '2025-11-21T08:00:00.123Z');
    assert.equal(toIsoTime('tomorrow'), undefined);
    assert.equal(toIsoTime(Number.NaN), undefined);
  });

  it('toPort and receivedIso', () => {
    assert.equal(toPort('443'), 443);
    assert.equal(toPort(-1), undefined);
    assert.equal(toPort(70000), undefined);
    assert.equal(toPort('4x'), undefined);
    const d = new Date('2026-01-01T00:00:00Z');
    assert.equal(receivedIso(d), '2026-01-01T00:00:00.000Z');
    d.setTime(d.getTime() + 1);
    assert.equal(receivedIso(d), '2026-01-01T00:00:00.001Z', 'a mutated Date is not served stale');
  });
});
