/**
 * Kyoka's CrowdSec-compatible bouncer API against a real `kyoka start`, driven by a bouncer
 * client written from the documented protocol: startup pull, then deltas, deletions after
 * expiry, per-key positions, HEAD not advancing, 403 on bad keys, ?ip=/?range= lookups.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';
import { type Client, type CsDecision, client, until } from './client.ts';

let k: Kyoka;
let c: Client;
let bouncer1: string;
let bouncer2: string;
const values = (l: CsDecision[] | null) => (l ?? []).map((d) => d.value).sort();
const pull = (key: string, startup: boolean, extra = '') => c.pull(key, startup, extra);
const lookup = (key: string, q: string) => c.lookup(key, q);
const add = (value: string, duration: string, type = 'ban') => c.add(value, duration, type);

before(async () => {
  k = await startKyoka();
  c = await client(k);
  bouncer1 = await c.key('fw-bouncer', 'bouncer');
  bouncer2 = await c.key('nginx-bouncer', 'bouncer');
});
after(async () => {
  await k?.stop();
});

describe('CrowdSec bouncer API', () => {
  it('refuses missing, wrong and non-bouncer keys with 403', async () => {
    for (const h of [
      {} as Record<string, string>,
      { 'X-Api-Key': 'nope' },
      { 'X-Api-Key': k.readKey },
      { 'X-Api-Key': `${bouncer1}x` },
    ]) {
      const res = await fetch(`${k.url}/v1/decisions/stream?startup=true`, { headers: h });
      assert.equal(res.status, 403);
      assert.deepEqual(await res.json(), { message: 'access forbidden' });
    }
    assert.equal((await fetch(`${k.url}/v1/decisions?ip=1.2.3.4`, { headers: { 'X-Api-Key': 'x' } })).status, 403);
  });

  it('startup pull, deltas, HEAD not advancing, deletions after expiry, independent positions', async () => {
    await add('192.0.2.44', '4h');
    await add('10.20.30.40/16', '4h');
    const s = await pull(bouncer1, true);
    assert.deepEqual(values(s.new), ['10.20.0.0/16', '192.0.2.44']);
    for (const d of s.new ?? []) {
      assert.match(d.duration, /^3h59m\d+(\.\d+)?s$/);
      assert.equal(d.type, 'ban');
      assert.equal(d.origin, 'manual');
      assert.match(d.uuid, /^[0-9a-f-]{36}$/);
      assert.equal(typeof d.id, 'number');
      assert.equal(d.scope, d.value.includes('/') ? 'Range' : 'Ip');
    }
    assert.equal(s.deleted, null);
    assert.deepEqual(await pull(bouncer1, false), { new: null, deleted: null });

    await add('198.51.100.5', '1s');
    const head = await fetch(`${k.url}/v1/decisions/stream?startup=false`, {
      method: 'HEAD',
      headers: { 'X-Api-Key': bouncer1 },
    });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const d1 = await pull(bouncer1, false);
    assert.deepEqual(values(d1.new), ['198.51.100.5'], 'HEAD did not move the position');
    const del = await until(async () => {
      const r = await pull(bouncer1, false);
      return r.deleted ? r : null;
    }, 'the 1 s decision to show as deleted');
    assert.deepEqual(values(del.deleted), ['198.51.100.5']);
    assert.equal(del.new, null);
    assert.match(del.deleted?.[0]?.duration ?? '', /^-/);

    // bouncer2 never pulled: it gets the whole live set; its position is its own
    const b2 = await pull(bouncer2, false);
    assert.deepEqual(values(b2.new), ['10.20.0.0/16', '192.0.2.44']);
    assert.deepEqual(await pull(bouncer2, false), { new: null, deleted: null });
    await add('203.0.113.80', '2h', 'deceive');
    assert.deepEqual(values((await pull(bouncer1, false)).new), ['203.0.113.80']);
    assert.deepEqual(values((await pull(bouncer2, false, '&scopes=range')).new), [], 'scope filter');
    assert.deepEqual(await pull(bouncer1, false), { new: null, deleted: null });
    const filtered = await pull(bouncer1, true, '&scopes=ip&origins=manual');
    assert.deepEqual(values(filtered.new), ['192.0.2.44', '203.0.113.80']);
  });

  it('looks decisions up by ip, range, value and type; null when none', async () => {
    assert.deepEqual(values(await lookup(bouncer1, 'ip=192.0.2.44')), ['192.0.2.44']);
    assert.deepEqual(values(await lookup(bouncer1, 'ip=10.20.99.1')), ['10.20.0.0/16'], 'a range covering the IP');
    assert.deepEqual(values(await lookup(bouncer1, 'range=10.20.5.0/24')), ['10.20.0.0/16']);
    assert.deepEqual(values(await lookup(bouncer1, 'scope=Ip&value=203.0.113.80')), ['203.0.113.80']);
    assert.equal(await lookup(bouncer1, 'ip=203.0.113.80&type=ban'), null);
    const none = await fetch(`${k.url}/v1/decisions?ip=9.9.9.9`, { headers: { 'X-Api-Key': bouncer1 } });
    assert.equal(await none.text(), 'null');
    const bad = await fetch(`${k.url}/v1/decisions?ip=not-an-ip`, { headers: { 'X-Api-Key': bouncer1 } });
    assert.equal(bad.status, 400);
  });
});
