import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaError } from '@kyoka/core';
import { bucketCount, MAX_AUTO_BUCKETS, MAX_INTERVAL_MS, parseInterval } from './time.ts';

const DAY = 86_400_000;
const YEAR = 365 * DAY;
const NOW = Date.UTC(2026, 4, 17, 12, 34, 56, 789);

const badInterval = (pattern: RegExp) => (e: unknown) =>
  (e as KyokaError).code === 'KYOKA_E_BAD_REQUEST' && pattern.test((e as Error).message);

describe('histogram interval', () => {
  it('auto gives at most 120 buckets for any range, coarser intervals up to years', () => {
    const ranges: Array<[number, number]> = [
      [NOW - 1, NOW],
      [NOW - 60_000, NOW],
      [NOW - DAY, NOW],
      [NOW - 30 * DAY, NOW],
      [NOW - 200 * DAY, NOW],
      [0, NOW], // from=0: used to give ~2 900 weekly buckets
      [0, 999_999_999_999_999], // used to be refused: too many buckets
      [-8.64e15, 8.64e15], // the whole date range: 5 000-year buckets
      [NOW - 7 * DAY + 1, NOW + 1],
    ];
    for (const [from, to] of ranges) {
      const ms = parseInterval('auto', from, to);
      const n = bucketCount(from, to, ms);
      assert.ok(n >= 1 && n <= MAX_AUTO_BUCKETS, `${from}..${to}: ${n} buckets of ${ms} ms`);
      assert.ok(Number.isSafeInteger(ms) && ms <= MAX_INTERVAL_MS, `${ms}`);
      assert.equal(parseInterval(undefined, from, to), ms);
      assert.equal(parseInterval('', from, to), ms);
    }
    assert.equal(parseInterval('auto', NOW - 60_000, NOW), 1000);
    assert.equal(parseInterval('auto', NOW - DAY, NOW), 1_800_000);
    assert.equal(parseInterval('auto', 0, NOW), YEAR);
    assert.equal(parseInterval('auto', 0, 999_999_999_999_999), 500 * YEAR);
  });

  it('auto picks the finest interval that fits', () => {
    // 120 whole hours fit in 1h buckets only when aligned; one ms more needs the next size
    const h = 3_600_000;
    assert.equal(parseInterval('auto', 10 * h, 130 * h), h);
    assert.equal(parseInterval('auto', 10 * h, 130 * h + 1), 3 * h);
  });

  it('explicit intervals: parsed, and refused with a message naming `interval`', () => {
    assert.equal(parseInterval('1m', NOW - DAY, NOW), 60_000);
    assert.equal(parseInterval('2w', 0, NOW), 14 * DAY);
    assert.throws(() => parseInterval('999999999w', NOW - DAY, NOW), badInterval(/^interval: .* too large/));
    assert.throws(() => parseInterval('521429w', NOW - DAY, NOW), badInterval(/too large/));
    assert.equal(parseInterval('521428w', NOW - DAY, NOW), 521428 * 7 * DAY);
    assert.throws(() => parseInterval('1s', 0, NOW), badInterval(/^interval: .* too small/));
    assert.throws(() => parseInterval('0m', NOW - DAY, NOW), badInterval(/positive/));
    assert.throws(() => parseInterval('5 minutes', NOW - DAY, NOW), badInterval(/^interval: .* not an interval/));
  });
});
