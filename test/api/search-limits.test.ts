/**
 * The search API against `kyoka start` with hostile but valid-looking requests: each gets a
 * clear 400 or a bounded answer, never 503 "storage failing" (which also logs an error).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

describe('search API limits', () => {
  let k: Kyoka;
  const get = async (path: string, params: Record<string, string>) => {
    const r = await fetch(`${k.url}${path}?${new URLSearchParams(params)}`, {
      headers: { authorization: `Bearer ${k.readKey}` },
    });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };

  before(async () => {
    k = await startKyoka();
    const now = Date.now();
    const events: Array<Record<string, unknown>> = [
      { id: '01JLIMITS0000000000000001', '@timestamp': new Date(now - 60_000).toISOString(), message: 'a b c' },
      {
        id: '01JLIMITS0000000000000002',
        '@timestamp': new Date(now - 30_000).toISOString(),
        message: 'plain',
        constructor: 'x',
      },
    ];
    const r = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(r.status, 200, await r.text());
    await searchUntil(k, k.readKey, {}, (x) => x.total >= 2);
  });
  after(() => k?.stop());

  it('999 bare words: 400 KYOKA_E_BAD_QUERY naming the limit; 200 words answer', async () => {
    const r = await get('/api/v1/search', { q: Array(999).fill('a').join(' ') });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error, 'KYOKA_E_BAD_QUERY');
    assert.match(r.body.message, /too many terms/);
    const ok = await get('/api/v1/search', { q: Array(200).fill('a').join(' ') });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.total, 1);
  });

  it('Object.prototype member names are ordinary fields in search and top', async () => {
    for (const q of ['constructor:x', 'toString:*', '__proto__:x', 'valueOf:1', 'hasOwnProperty:*']) {
      const r = await get('/api/v1/search', { q });
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.total, q === 'constructor:x' ? 1 : 0, q);
    }
    for (const field of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      const r = await get('/api/v1/search/top', { field });
      assert.equal(r.status, 200, `${field}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body.buckets, field === 'constructor' ? [{ value: 'x', count: 1 }] : [], field);
    }
  });

  it('histogram: auto stays within 120 buckets for any range; a too-large interval is a clear 400', async () => {
    for (const to of [undefined, '999999999999999']) {
      const r = await get('/api/v1/search/histogram', { from: '0', ...(to ? { to } : {}), interval: 'auto' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.buckets.length <= 120, `${r.body.buckets.length} buckets`);
      assert.equal(
        r.body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0),
        2,
      );
    }
    const big = await get('/api/v1/search/histogram', { interval: '999999999w' });
    assert.equal(big.status, 400);
    assert.equal(big.body.error, 'KYOKA_E_BAD_REQUEST');
    assert.match(big.body.message, /^interval: .*too large/);
    const far = await get('/api/v1/search/histogram', { from: '0', to: 'now+999999999w' });
    assert.equal(far.status, 400);
    assert.match(far.body.message, /^to: out of range/);
  });
});
