/**
 * EventWriter: a large write into an idle writer is stored in the same turn (so its parsed
 * events can die young); small writes still wait a turn and share one transaction; every
 * write resolves only after its transaction, and committed listeners see each batch once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import { createMetrics } from '../metrics/index.ts';
import type { EventStore } from '../store/types.ts';
import { EventWriter } from './writer.ts';

function fakeStore(): { store: EventStore; batches: number[]; fail: { next: boolean } } {
  const batches: number[] = [];
  const fail = { next: false };
  const store = {
    insert: async (events: KyokaEvent[]) => {
      if (fail.next) {
        fail.next = false;
        throw new Error('disk full');
      }
      batches.push(events.length);
      return { inserted: events.length, duplicates: 0 };
    },
  } as unknown as EventStore;
  return { store, batches, fail };
}

const evs = (n: number, tag = 'e') =>
  Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, '@timestamp': '2026-01-01T00:00:00.000Z' }) as KyokaEvent);

test('a large write into an idle writer is inserted before write() returns', async () => {
  const { store, batches } = fakeStore();
  const w = new EventWriter(store, createMetrics(), { maxQueue: 100_000, immediateMin: 100 });
  const seen: number[] = [];
  w.onCommitted((e) => seen.push(e.length));
  const p = w.write(evs(150));
  assert.deepEqual(batches, [150], 'stored in the same turn');
  assert.deepEqual(seen, [], 'listeners run after the commit resolves, not before');
  assert.deepEqual(await p, { inserted: 150, duplicates: 0 });
  assert.deepEqual(seen, [150]);
  assert.equal(w.depth, 0);
});

test('small writes wait a turn and share one transaction', async () => {
  const { store, batches } = fakeStore();
  const w = new EventWriter(store, createMetrics(), { maxQueue: 100_000, immediateMin: 100 });
  const seen: number[] = [];
  w.onCommitted((e) => seen.push(e.length));
  const ps = [w.write(evs(10, 'a')), w.write(evs(20, 'b')), w.write(evs(30, 'c'))];
  assert.deepEqual(batches, [], 'nothing stored yet');
  const res = await Promise.all(ps);
  assert.deepEqual(batches, [60]);
  assert.deepEqual(seen, [60]);
  assert.deepEqual(
    res.map((r) => r.inserted),
    [10, 20, 30],
  );
});

test('a large write behind queued small ones joins them instead of jumping ahead', async () => {
  const { store, batches } = fakeStore();
  const w = new EventWriter(store, createMetrics(), { maxQueue: 100_000, immediateMin: 100 });
  const small = w.write(evs(5, 's'));
  const large = w.write(evs(200, 'l'));
  assert.deepEqual(batches, [], 'the large write waits for the queued small one');
  await Promise.all([small, large]);
  assert.deepEqual(batches, [205], 'stored together, in arrival order');
});

test('a failed immediate insert rejects that write and the writer keeps working', async () => {
  const { store, batches, fail } = fakeStore();
  const w = new EventWriter(store, createMetrics(), { maxQueue: 100_000, immediateMin: 100 });
  fail.next = true;
  await assert.rejects(w.write(evs(120)), (e: Error & { code?: string }) => e.code === 'KYOKA_E_STORE');
  assert.deepEqual(await w.write(evs(120)), { inserted: 120, duplicates: 0 });
  assert.deepEqual(batches, [120]);
  assert.equal(w.depth, 0);
});

/** A store that keeps ids (the real stores' uniqueness within one hour) and answers get(). */
function idStore(): { store: EventStore; batches: number[]; ids: Map<string, KyokaEvent> } {
  const batches: number[] = [];
  const ids = new Map<string, KyokaEvent>();
  const store = {
    insert: async (events: KyokaEvent[]) => {
      batches.push(events.length);
      let inserted = 0;
      for (const e of events) {
        if (ids.has(e.id)) continue;
        ids.set(e.id, e);
        inserted++;
      }
      return { inserted, duplicates: events.length - inserted };
    },
    get: async (id: string) => ids.get(id) ?? null,
  } as unknown as EventStore;
  return { store, batches, ids };
}

test('coalesced requests each hear their own duplicates; the metric counts them once', async () => {
  const { store, batches } = idStore();
  const metrics = createMetrics();
  const w = new EventWriter(store, metrics, { maxQueue: 100_000 });
  // event.ingested is the receive time normalizeEvent stamps on every event
  const one = (ingested: string) => [
    { id: '01JD00000000000000000000AA', '@timestamp': '2026-01-01T00:00:00.000Z', event: { ingested } } as KyokaEvent,
  ];
  const res = await Promise.all(Array.from({ length: 20 }, () => w.write(one('t1'))));
  assert.deepEqual(batches, [1], 'one transaction, the copies removed before it');
  assert.deepEqual(res[0], { inserted: 1, duplicates: 0 });
  for (const r of res.slice(1)) assert.deepEqual(r, { inserted: 0, duplicates: 1 });
  assert.equal((await metrics.duplicates.get()).values[0]?.value, 19);

  // re-sent later, coalesced with a new event from another request
  const again = await Promise.all([
    w.write(one('t2')),
    w.write([{ id: 'fresh', '@timestamp': '2026-01-01T00:00:00.000Z', event: { ingested: 't2' } } as KyokaEvent]),
  ]);
  assert.deepEqual(again, [
    { inserted: 0, duplicates: 1 },
    { inserted: 1, duplicates: 0 },
  ]);
  assert.equal((await metrics.duplicates.get()).values[0]?.value, 20);
});
