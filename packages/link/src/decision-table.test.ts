import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalValue, DecisionTable } from './decision-table.ts';
import type { DecisionView } from './types.ts';

const NOW = Date.parse('2026-11-22T00:00:00Z');
let nextId = 1;
function d(value: string, type: string, inMs = 3_600_000, id = nextId++): DecisionView {
  return {
    id,
    uuid: `u${id}`,
    value,
    scope: value.includes('/') ? 'Range' : 'Ip',
    type,
    origin: 'test',
    reason: '',
    scenario: '',
    offence: 1,
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + inMs).toISOString(),
    deleted_at: null,
    remaining_ms: inMs,
  };
}

test('canonical values: masks host bits, unmaps IPv4-mapped IPv6, rejects garbage', () => {
  assert.equal(canonicalValue('10.1.2.3/8')?.value, '10.0.0.0/8');
  assert.equal(canonicalValue('::ffff:203.0.113.5')?.value, '203.0.113.5');
  assert.equal(canonicalValue('2001:DB8::1')?.value, '2001:db8::1');
  assert.equal(canonicalValue('2001:db8::1/32')?.value, '2001:db8::/32');
  for (const bad of ['', '1.2.3', '1.2.3.4; drop table', '10.0.0.0/33', 'x'.repeat(100), '$(id)'])
    assert.equal(canonicalValue(bad), null, bad);
});

test('a value stays while any decision holds it; expiry is the latest', () => {
  const t = new DecisionTable();
  const a = d('203.0.113.5', 'deceive', 60_000);
  const b = d('203.0.113.5', 'deceive', 120_000);
  let delta = t.apply({ reset: false, added: [a], removed: [] }, NOW);
  assert.deepEqual(
    delta.upsert.map((e) => [e.value, e.type, e.expiresAt - NOW]),
    [['203.0.113.5', 'deceive', 60_000]],
  );
  delta = t.apply({ reset: false, added: [b], removed: [] }, NOW);
  assert.deepEqual(
    delta.upsert.map((e) => e.expiresAt - NOW),
    [120_000],
  );
  delta = t.apply({ reset: false, added: [], removed: [b] }, NOW);
  assert.deepEqual(
    delta.upsert.map((e) => e.expiresAt - NOW),
    [60_000],
    'falls back to the remaining decision',
  );
  assert.equal(delta.remove.length, 0);
  delta = t.apply({ reset: false, added: [], removed: [a] }, NOW);
  assert.deepEqual(
    delta.remove.map((e) => e.value),
    ['203.0.113.5'],
  );
  assert.equal(t.typeFor('203.0.113.5', NOW), null);
});

test('typeFor: strongest type wins, CIDRs cover addresses, expired entries do not count', () => {
  const t = new DecisionTable();
  t.apply(
    {
      reset: true,
      added: [
        d('198.51.100.0/24', 'deceive'),
        d('198.51.100.7', 'ban'),
        d('2001:db8::/48', 'reflect'),
        d('192.0.2.1', 'deceive', 1000),
      ],
      removed: [],
    },
    NOW,
  );
  assert.equal(t.typeFor('198.51.100.9', NOW), 'deceive');
  assert.equal(t.typeFor('198.51.100.7', NOW), 'ban');
  assert.equal(t.typeFor('::ffff:198.51.100.7', NOW), 'ban');
  assert.equal(t.typeFor('2001:db8:0:1::5', NOW), 'reflect');
  assert.equal(t.typeFor('2001:db9::5', NOW), null);
  assert.equal(t.typeFor('192.0.2.1', NOW + 500), 'deceive');
  assert.equal(t.typeFor('192.0.2.1', NOW + 2000), null);
  assert.deepEqual(t.counts(NOW), { ban: 1, deceive: 2, reflect: 1 });
});

test('malformed decisions are rejected, the rest apply; a reset replaces everything', () => {
  const t = new DecisionTable();
  const good = d('203.0.113.9', 'ban');
  const delta = t.apply(
    {
      reset: false,
      added: [
        d('not-an-ip', 'ban'),
        d('203.0.113.10', 'nuke'),
        { ...d('203.0.113.11', 'ban'), expires_at: 'never' },
        good,
      ],
      removed: [],
    },
    NOW,
  );
  assert.equal(delta.rejected.length, 3);
  assert.deepEqual(
    delta.upsert.map((e) => e.value),
    ['203.0.113.9'],
  );
  const r = t.apply({ reset: true, added: [d('203.0.113.20', 'deceive')], removed: [] }, NOW);
  assert.equal(r.reset, true);
  assert.deepEqual(
    r.upsert.map((e) => e.value),
    ['203.0.113.20'],
  );
  assert.equal(t.typeFor('203.0.113.9', NOW), null);
});

test('100k decisions: apply and look up fast enough for a WAF', () => {
  const t = new DecisionTable();
  const added: DecisionView[] = [];
  for (let i = 0; i < 100_000; i++) added.push(d(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'deceive'));
  const delta = t.apply({ reset: true, added, removed: [] }, NOW);
  assert.equal(delta.upsert.length, 100_000);
  assert.equal(t.typeFor('10.1.2.3', NOW), 'deceive');
  assert.equal(t.typeFor('11.1.2.3', NOW), null);
});
