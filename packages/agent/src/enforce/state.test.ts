/** Unit tests: the decision table's diffs, merging, rollback and "newly decided" keys. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionView } from '@kyoka/link';
import { DecisionTable } from './state.ts';

const NOW = 1_000_000;
let n = 0;
const d = (value: string, type: string, remaining_ms = 60_000, uuid = `u${++n}`) =>
  ({ id: n, uuid, value, type, remaining_ms }) as unknown as DecisionView;
const batch = (added: DecisionView[], removed: DecisionView[] = [], reset = false) => ({ reset, added, removed });

test('reset fills sets by type/family/kind and rejects junk', () => {
  const t = new DecisionTable();
  const s = t.stage(
    batch(
      [
        d('1.2.3.4', 'ban'),
        d('2001:db8::1', 'deceive'),
        d('10.0.0.0/8', 'reflect'),
        d('x', 'ban'),
        d('1.1.1.1', 'nope'),
      ],
      [],
      true,
    ),
    NOW,
  );
  assert.equal(s.rejected, 2);
  assert.deepEqual(
    s.diffs.map((x) => [x.set, x.add.map(([k]) => k)]),
    [
      ['ban4', ['1.2.3.4']],
      ['deceive6', ['2001:db8::1']],
      ['reflect4n', ['10.0.0.0/8']],
    ],
  );
  assert.deepEqual(s.fresh.sort(), ['1.2.3.4', '10.0.0.0/8', '2001:db8::1']);
  s.commit();
  assert.deepEqual(t.counts(), { ban: 1, deceive: 1, reflect: 1 });
});

test('incremental: two decisions on one address keep the longest; removing one keeps the other', () => {
  const t = new DecisionTable();
  const a = d('5.5.5.5', 'ban', 10_000);
  const b = d('5.5.5.5', 'ban', 50_000);
  const s1 = t.stage(batch([a, b]), NOW);
  assert.deepEqual(s1.diffs, [{ set: 'ban4', del: [], add: [['5.5.5.5', NOW + 50_000]] }]);
  s1.commit();
  const s2 = t.stage(batch([], [b]), NOW);
  // Timeout shrinks to a's: delete + add with the new timeout.
  assert.deepEqual(s2.diffs, [{ set: 'ban4', del: ['5.5.5.5'], add: [['5.5.5.5', NOW + 10_000]] }]);
  assert.deepEqual(s2.fresh, []);
  s2.commit();
  const s3 = t.stage(batch([], [a]), NOW);
  assert.deepEqual(s3.diffs, [{ set: 'ban4', del: ['5.5.5.5'], add: [] }]);
  s3.commit();
  assert.deepEqual(t.counts(), { ban: 0, deceive: 0, reflect: 0 });
});

test('an element the kernel already expired is not deleted again, and re-adding it is fresh', () => {
  const t = new DecisionTable();
  const a = d('6.6.6.6', 'deceive', 1000);
  t.stage(batch([a]), NOW).commit();
  const later = NOW + 5000;
  assert.deepEqual(t.stage(batch([], [a]), later).diffs, []);
  const s = t.stage(batch([d('6.6.6.6', 'deceive')]), later);
  assert.deepEqual(s.fresh, ['6.6.6.6']);
});

test('rollback restores the previous state exactly', () => {
  const t = new DecisionTable();
  const a = d('7.7.7.7', 'ban');
  t.stage(batch([a]), NOW).commit();
  const s = t.stage(batch([d('8.8.8.8', 'ban')], [a]), NOW);
  s.rollback();
  // Same batch again yields the same diff: nothing of the failed attempt stuck.
  const again = t.stage(batch([d('8.8.8.8', 'ban')], [a]), NOW);
  assert.deepEqual(again.diffs, [{ set: 'ban4', del: ['7.7.7.7'], add: [['8.8.8.8', NOW + 60_000]] }]);
});

test('overlapping networks are merged; a shadowed longer one comes back on re-sync', () => {
  const t = new DecisionTable();
  t.stage(batch([d('10.0.0.0/8', 'ban', 5000), d('10.9.0.0/16', 'ban', 50_000)]), NOW).commit();
  assert.deepEqual([...(t.written.get('ban4n')?.keys() ?? [])], ['10.0.0.0/8']);
  assert.equal(t.wakeAt, NOW + 5000);
  assert.deepEqual(t.stage(batch([]), NOW + 5001).diffs, [], 'an empty batch is a no-op');
  const s = t.stage(batch([]), NOW + 5001, true);
  assert.deepEqual(s.diffs, [{ set: 'ban4n', del: [], add: [['10.9.0.0/16', NOW + 50_000]] }]);
  s.commit();
  assert.equal(t.wakeAt, null);
});

test('an address moving from deceive to ban is not "fresh" (its connections were cut already)', () => {
  const t = new DecisionTable();
  const a = d('9.9.9.9', 'deceive');
  t.stage(batch([a]), NOW).commit();
  const s = t.stage(batch([d('9.9.9.9', 'ban')], [a]), NOW);
  assert.deepEqual(s.fresh, []);
  assert.equal(s.contents('ban4').get('9.9.9.9'), NOW + 60_000);
  assert.equal(s.contents('deceive4').has('9.9.9.9'), false);
});
