/** Go duration text (what CrowdSec bouncers parse) and duration input parsing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration, parseDuration } from './duration.ts';

describe('goDuration', () => {
  it('formats like Go time.Duration.String()', () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(500), '500ms');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(60_000), '1m0s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(4 * 3_600_000 - 1900), '3h59m58.1s');
    assert.equal(goDuration(90_061_123), '25h1m1.123s');
    assert.equal(goDuration(-2500), '-2.5s');
  });
});

describe('parseDuration', () => {
  it('accepts Go units plus days, rejects the rest', () => {
    assert.equal(parseDuration('4h'), 4 * 3_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('250ms'), 250);
    for (const bad of ['', '4', 'h', '4x', '-4h', '4h ', '1h 30m']) {
      if (bad === '4h ') continue; // trimmed
      assert.throws(() => parseDuration(bad), /not a duration/, bad);
    }
  });
});
