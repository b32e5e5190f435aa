/**
 * Coalesced batches: in-batch copies are removed and charged to the requests that sent them;
 * the store's total of already-stored events is attributed when it can be decided.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import { attributeDuplicates, coalesce } from './coalesce.ts';

const ev = (id: string, ts = '2026-01-01T10:15:00.000Z', ingested = 'now') =>
  ({ id, '@timestamp': ts, event: { ingested } }) as KyokaEvent;
const never = async () => {
  throw new Error('no lookup expected');
};

test('copies of one event across requests go to the store once; later copies are duplicates', () => {
  const b = coalesce([[ev('a'), ev('b')], [ev('a')], [ev('a'), ev('c')]]);
  assert.deepEqual(
    b.unique.map((e) => e.id),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    b.parts.map((p) => p.copies),
    [0, 1, 1],
  );
});

test('the same id in another hour is another event to the store, so not an in-batch copy', () => {
  const b = coalesce([[ev('a', '2026-01-01T10:15:00.000Z')], [ev('a', '2026-01-01T11:15:00.000Z')]]);
  assert.equal(b.unique.length, 2);
  assert.deepEqual(
    b.parts.map((p) => p.copies),
    [0, 0],
  );
});

test('20 requests of one new event: the first stored it, the 19 others hear 1 duplicate', async () => {
  const b = coalesce(Array.from({ length: 20 }, () => [ev('same')]));
  const d = await attributeDuplicates(b, 0, never);
  assert.deepEqual(d, [0, ...Array(19).fill(1)]);
});

test('20 requests of one event that was already stored: all hear 1 duplicate', async () => {
  const b = coalesce(Array.from({ length: 20 }, () => [ev('old')]));
  assert.deepEqual(await attributeDuplicates(b, 1, never), Array(20).fill(1));
});

test('only one request could hold the already-stored events: exact without lookups', async () => {
  const b = coalesce([[ev('r1'), ev('r2')], [ev('r1')]]);
  assert.deepEqual(await attributeDuplicates(b, 2, never), [2, 1]);
});

test('ambiguous: events stored with another receive time are the duplicates', async () => {
  const b = coalesce([[ev('x1', undefined, 't2'), ev('x2', undefined, 't2')], [ev('y1', undefined, 't2')]]);
  const stored: Record<string, string> = { x1: 't2', x2: 't2', y1: 't1' };
  const lookup = async (id: string) => ev(id, undefined, stored[id]);
  assert.deepEqual(await attributeDuplicates(b, 1, lookup), [0, 1]);
  // the lookups disagree with the store's count: undecided rather than wrong
  assert.equal(await attributeDuplicates(b, 2, lookup), null);
});

test('ambiguous and too large to look up: undecided', async () => {
  const b = coalesce([Array.from({ length: 300 }, (_, i) => ev(`a${i}`)), [ev('b')]]);
  assert.equal(await attributeDuplicates(b, 5, never), null);
});
