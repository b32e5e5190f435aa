import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUlid, newId, ulidTime } from './ulid.ts';

describe('ulid', () => {
  it('encodes the time and round-trips it', () => {
    const t = Date.UTC(2026, 10, 21, 12, 0, 0, 123);
    const id = newId(t);
    assert.ok(isUlid(id), id);
    assert.equal(ulidTime(id), t);
    assert.equal(newId(0).slice(0, 10), '0000000000');
    assert.equal(newId(0xffffffffffff).slice(0, 10), '7ZZZZZZZZZ');
  });
  it('is monotonic within one millisecond and unique across many ids', () => {
    const t = Date.now();
    const ids = Array.from({ length: 10_000 }, () => newId(t));
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const spread = Array.from({ length: 10_000 }, (_, i) => newId(t + i));
    assert.equal(new Set(spread).size, spread.length);
  });
  it('sorts by time', () => {
    const a = newId(1_000_000);
    const b = newId(2_000_000);
    assert.ok(a < b);
  });
  it('rejects times outside 48 bits', () => {
    assert.throws(() => newId(-1), RangeError);
    assert.throws(() => newId(2 ** 48), RangeError);
  });
});
