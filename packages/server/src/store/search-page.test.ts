import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError, type KyokaEvent } from '@kyoka/core';
import { asQueryError } from './read.ts';
import { HIT_FIELD_MAX_CHARS, truncatedMarker, truncateHit } from './search-page.ts';

describe('search page bounds', () => {
  it('cuts only long strings, anywhere in the event, and estimates the new size', () => {
    const long = 'x'.repeat(HIT_FIELD_MAX_CHARS + 1000);
    const doc = JSON.parse(
      JSON.stringify({ id: 'a', message: long, short: 'keep', deep: { list: [long, 1, null, { v: long }] } }),
    ) as KyokaEvent & Record<string, any>;
    const stored = JSON.stringify(doc).length;
    const after = truncateHit(doc, stored);
    const cut = long.slice(0, HIT_FIELD_MAX_CHARS) + truncatedMarker(long.length);
    assert.equal(doc.message, cut);
    assert.equal(doc.short, 'keep');
    assert.deepEqual(doc.deep.list, [cut, 1, null, { v: cut }]);
    assert.ok(after >= JSON.stringify(doc).length, `estimate ${after} is an upper bound`);
    assert.ok(after < stored);
  });

  it('never splits a surrogate pair, cuts long keys, and leaves a `__proto__` key as data', () => {
    const s = `${'a'.repeat(HIT_FIELD_MAX_CHARS - 1)}😀${'b'.repeat(10)}`;
    const key = 'k'.repeat(HIT_FIELD_MAX_CHARS + 1);
    const doc = JSON.parse(`{"id":"a","m":${JSON.stringify(s)},${JSON.stringify(key)}:1,"__proto__":{"polluted":"y"}}`);
    truncateHit(doc, 10 * HIT_FIELD_MAX_CHARS);
    assert.equal(doc.m, 'a'.repeat(HIT_FIELD_MAX_CHARS - 1) + truncatedMarker(s.length));
    assert.ok(!(key in doc));
    assert.equal(doc[key.slice(0, HIT_FIELD_MAX_CHARS) + truncatedMarker(key.length)], 1);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(doc, '__proto__')?.value, { polluted: 'y' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('turns database limits reached by a query into KYOKA_E_BAD_QUERY, other errors unchanged', () => {
    for (const msg of [
      'Expression tree is too large (maximum depth 1000)',
      'too many SQL variables',
      'stack depth limit exceeded',
    ]) {
      assert.throws(
        () => asQueryError(new Error(msg)),
        (e: unknown) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_QUERY' && e.cause instanceof Error,
      );
    }
    const io = new Error('disk I/O error');
    assert.throws(
      () => asQueryError(io),
      (e: unknown) => e === io,
    );
    const store = new KyokaError('KYOKA_E_STORE', 'too many SQL variables');
    assert.throws(
      () => asQueryError(store),
      (e: unknown) => e === store,
    );
  });
});
