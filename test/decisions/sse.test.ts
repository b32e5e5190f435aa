/**
 * The push stream (GET /api/v1/decisions/stream, Server-Sent Events) against a real server:
 * a first connect gets reset + the live set + synced; a decision made through the API
 * arrives within milliseconds; after a disconnect, a reconnect with Last-Event-ID receives
 * exactly the decisions made meanwhile; an unknown id falls back to a reset; only bouncer,
 * sensor and admin keys may listen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';
import { type Client, client, sse } from './client.ts';

let k: Kyoka;
let c: Client;
let agentKey: string;
const stream = (headers: Record<string, string> = {}) =>
  sse(`${k.url}/api/v1/decisions/stream`, { authorization: `Bearer ${agentKey}`, ...headers });

before(async () => {
  k = await startKyoka();
  c = await client(k);
  agentKey = await c.key('agent-1', 'sensor');
});
after(async () => {
  await k?.stop();
});

describe('decision push stream', () => {
  it('refuses callers without a stream role', async () => {
    assert.equal((await fetch(`${k.url}/api/v1/decisions/stream`)).status, 401);
    const res = await fetch(`${k.url}/api/v1/decisions/stream`, { headers: { authorization: `Bearer ${k.readKey}` } });
    assert.equal(res.status, 403);
  });

  it('delivers at once and resumes exactly after a reconnect with Last-Event-ID', async () => {
    await c.add('192.0.2.200', '4h');
    const s1 = await stream();
    assert.equal((await s1.next()).event, 'reset');
    const snap = await s1.next();
    assert.equal(snap.event, 'decision.new');
    assert.equal(JSON.parse(snap.data).value, '192.0.2.200');
    const synced = await s1.next();
    assert.equal(synced.event, 'synced');
    assert.equal(JSON.parse(synced.data).count, 1);

    const t0 = performance.now();
    const made = await c.add('198.51.100.20', '1h');
    const ev = await s1.next(2000);
    const ms = performance.now() - t0;
    assert.equal(ev.event, 'decision.new');
    const d = JSON.parse(ev.data);
    assert.equal(d.id, made.id);
    assert.equal(d.value, '198.51.100.20');
    assert.ok(Number(ev.id) > Number(synced.id), 'event ids increase');
    assert.ok(ms < 1000, `arrived ${ms.toFixed(1)} ms after the request`);
    s1.close();

    const a = await c.add('203.0.113.1', '1h');
    const b = await c.add('2001:db8::7', '1h', 'deceive');
    const s2 = await stream({ 'last-event-id': ev.id as string });
    const r1 = await s2.next();
    const r2 = await s2.next();
    assert.deepEqual(
      [r1, r2].map((e) => [e.event, JSON.parse(e.data).id]),
      [
        ['decision.new', a.id],
        ['decision.new', b.id],
      ],
    );
    assert.ok(Number(r2.id) > Number(r1.id) && Number(r1.id) > Number(ev.id));
    // nothing else was queued before the next live change
    const del = await fetch(`${k.url}/api/v1/decisions/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await c.key('admin-2', 'admin')}` },
    });
    assert.equal(del.status, 200);
    const r3 = await s2.next();
    assert.equal(r3.event, 'decision.deleted');
    assert.equal(JSON.parse(r3.data).id, a.id);
    assert.ok(JSON.parse(r3.data).deleted_at);
    s2.close();
  });

  it('sends a reset and the live set for an unknown Last-Event-ID', async () => {
    const s = await stream({ 'last-event-id': '999999' });
    const first = await s.next();
    assert.equal(first.event, 'reset');
    assert.equal(JSON.parse(first.data).reason, 'unknown_id');
    const seen: string[] = [];
    for (;;) {
      const e = await s.next();
      if (e.event === 'synced') break;
      seen.push(JSON.parse(e.data).value);
    }
    assert.deepEqual(seen.sort(), ['192.0.2.200', '198.51.100.20', '2001:db8::7']);
    s.close();
  });
});
