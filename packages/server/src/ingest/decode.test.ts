/**
 * decodeBody's per-event cap: an event over maxEventBytes is refused by index (never parsed,
 * for NDJSON) while the rest of the batch is decoded; bodies within the cap skip the check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeBody, EVENT_TOO_LARGE } from './decode.ts';

const opts = { maxBytes: 64 * 1024 * 1024, maxBatch: 1000, maxEventBytes: 4096 };
const big = (n: number) => JSON.stringify({ message: 'x'.repeat(n) });
const small = (i: number) => JSON.stringify({ message: `ok ${i}` });

test('NDJSON: an oversize line is an error at its index, the others are records', () => {
  const body = Buffer.from([small(0), big(10_000), small(2), '{bad', big(5000)].join('\n'));
  const r = decodeBody(body, opts);
  assert.deepEqual(
    r.records.map((x) => x.index),
    [0, 2],
  );
  assert.deepEqual(
    r.errors.map((e) => [e.index, e.error]),
    [
      [1, EVENT_TOO_LARGE],
      [3, 'KYOKA_E_BAD_EVENT'],
      [4, EVENT_TOO_LARGE],
    ],
  );
  assert.match(r.errors[0]?.message ?? '', /limit is 4096 \(ingest\.maxEventBytes\)/);
});

test('NDJSON: the cap counts UTF-8 bytes, not characters', () => {
  const wide = JSON.stringify({ message: '鏡'.repeat(1500) }); // ~1.5 k characters, ~4.5 kB
  const r = decodeBody(Buffer.from(`${small(0)}\n${wide}`), opts);
  assert.deepEqual(
    r.errors.map((e) => e.index),
    [1],
  );
});

test('JSON array: oversize elements are errors by index, also after gunzip', () => {
  const arr = `[${[small(0), big(10_000), small(2)].join(',')}]`;
  for (const body of [Buffer.from(arr), gzipSync(arr)]) {
    const r = decodeBody(body, opts);
    assert.deepEqual(
      r.records.map((x) => x.index),
      [0, 2],
    );
    assert.deepEqual(
      r.errors.map((e) => [e.index, e.error]),
      [[1, EVENT_TOO_LARGE]],
    );
  }
});

test('a single oversize object (compact or pretty-printed) is one error at index 0', () => {
  for (const text of [big(10_000), JSON.stringify({ message: 'x'.repeat(10_000) }, null, 2)]) {
    const r = decodeBody(Buffer.from(text), opts);
    assert.equal(r.records.length, 0);
    assert.deepEqual(
      r.errors.map((e) => [e.index, e.error]),
      [[0, EVENT_TOO_LARGE]],
    );
  }
});

test('events within the cap are untouched', () => {
  const r = decodeBody(Buffer.from(`[${small(0)},${small(1)}]`), opts);
  assert.equal(r.records.length, 2);
  assert.equal(r.errors.length, 0);
});
