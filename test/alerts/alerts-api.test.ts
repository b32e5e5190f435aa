/**
 * Alerts and notification channels through a real `kyoka start`: an alert raised into the
 * server's database (as the rule engine does) is listed with filters, shown with its sample
 * event read back from the event store, and its status changed by an admin only; channels are
 * created, masked on read, tested against a local webhook and deleted; the routes are in the
 * OpenAPI document.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAlertDb } from '../../packages/server/src/alerts/db.ts';
import { AlertStore } from '../../packages/server/src/alerts/store.ts';
import { adminSession, type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const json = (r: Response): Promise<any> => r.json();

describe('alerts API', () => {
  let k: Kyoka;
  let admin: Record<string, string>;
  let read: Record<string, string>;
  let hook: Server;
  let hookPort: number;
  const hooks: string[] = [];
  let alertId: string;

  before(async () => {
    k = await startKyoka({ env: { KYOKA_ADMIN_PASSWORD: 'alerts-api-password' } });
    const { cookie, csrf } = await adminSession(k);
    admin = { cookie, 'x-kyoka-csrf': csrf, 'content-type': 'application/json' };
    read = { authorization: `Bearer ${k.readKey}`, 'content-type': 'application/json' };
    const ing = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        // no built-in rule matches this event: the alerts below are the test's own
        event: { action: 'test.login', dataset: 'alerts-test' },
        source: { ip: '198.51.100.23' },
        user: { name: 'root' },
      }),
    });
    assert.equal(ing.status, 200);
    const found = await searchUntil(k, k.readKey, { q: 'source.ip:198.51.100.23' }, (r) => r.total === 1);
    const evId = found.events[0]?.id as string;
    const db = openAlertDb(`sqlite:${join(k.dataDir, 'kyoka.db')}`);
    const store = new AlertStore(db, { windowMs: 3_600_000, now: Date.now });
    const now = new Date().toISOString();
    const det = {
      rule: { id: 'ftp-brute-force', title: 'FTP brute force', severity: 'high', tags: ['attack.t1110'] },
      key: '198.51.100.23',
      group: { 'source.ip': '198.51.100.23' },
      count: 6,
      events: [evId],
      first: now,
      last: now,
    };
    alertId = (await store.raise(det)).alert.id;
    await store.raise({ ...det, count: 4 });
    await store.raise({
      ...det,
      rule: { ...det.rule, id: 'other', severity: 'low' },
      key: 'x',
      group: { 'source.ip': '192.0.2.1' },
    });
    await db.destroy();

    hook = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => {
        b += c;
      });
      req.on('end', () => {
        hooks.push(b);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookPort = (hook.address() as AddressInfo).port;
  });
  after(async () => {
    await k?.stop();
    await new Promise<void>((r) => hook.close(() => r()));
  });

  it('lists with filters and shows the detail with its events', async () => {
    const all = await json(await fetch(`${k.url}/api/v1/alerts`, { headers: read }));
    assert.equal(all.total, 2);
    const one = await json(await fetch(`${k.url}/api/v1/alerts?severity=high&q=198.51`, { headers: read }));
    assert.equal(one.total, 1);
    assert.equal(one.alerts[0].count, 10, 'grouped: one alert counting both detections');
    assert.equal((await json(await fetch(`${k.url}/api/v1/alerts?status=closed`, { headers: read }))).total, 0);
    const bad = await fetch(`${k.url}/api/v1/alerts?severity=extreme`, { headers: read });
    assert.equal(bad.status, 400);
    const d = await json(await fetch(`${k.url}/api/v1/alerts/${alertId}`, { headers: read }));
    assert.equal(d.alert.rule_id, 'ftp-brute-force');
    assert.equal(d.events.length, 1);
    assert.equal(d.events[0].user.name, 'root');
    assert.equal((await fetch(`${k.url}/api/v1/alerts/nope`, { headers: read })).status, 404);
  });

  it('changes status as admin only', async () => {
    const body = JSON.stringify({ status: 'acknowledged' });
    const denied = await fetch(`${k.url}/api/v1/alerts/${alertId}`, { method: 'PATCH', headers: read, body });
    assert.equal(denied.status, 403);
    const ok = await fetch(`${k.url}/api/v1/alerts/${alertId}`, { method: 'PATCH', headers: admin, body });
    assert.equal(ok.status, 200);
    assert.equal((await json(ok)).status, 'acknowledged');
  });

  it('manages channels: masked secrets, test send, delete', async () => {
    const body = JSON.stringify({
      name: 'siem',
      type: 'webhook',
      config: {
        url: `http://127.0.0.1:${hookPort}/in`,
        method: 'POST',
        headers: { authorization: 'Bearer hook-secret' },
      },
      filter: { min_severity: 'high' },
    });
    assert.equal(
      (await fetch(`${k.url}/api/v1/notifications/channels`, { method: 'POST', headers: read, body })).status,
      403,
    );
    const created = await fetch(`${k.url}/api/v1/notifications/channels`, { method: 'POST', headers: admin, body });
    assert.equal(created.status, 201);
    const c = await json(created);
    const list = await json(await fetch(`${k.url}/api/v1/notifications/channels`, { headers: read }));
    assert.equal(list.channels.length, 1);
    assert.equal(list.channels[0].config.headers.authorization, '********');
    assert.ok(!JSON.stringify(list).includes('hook-secret'));
    const test = await fetch(`${k.url}/api/v1/notifications/channels/${c.id}/test`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    assert.equal(test.status, 200);
    assert.equal(JSON.parse(hooks[0] as string).type, 'alert.test');
    const badUrl = await fetch(`${k.url}/api/v1/notifications/channels`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'x', type: 'webhook', config: { url: 'file:///etc/passwd' } }),
    });
    assert.equal(badUrl.status, 400);
    const del = await fetch(`${k.url}/api/v1/notifications/channels/${c.id}`, {
      method: 'DELETE',
      headers: { cookie: admin.cookie as string, 'x-kyoka-csrf': admin['x-kyoka-csrf'] as string },
    });
    assert.equal(del.status, 204);
  });

  it('documents the routes in OpenAPI', async () => {
    const doc = await json(await fetch(`${k.url}/api/docs/json`));
    for (const p of ['/api/v1/alerts', '/api/v1/alerts/{id}', '/api/v1/notifications/channels/{id}/test']) {
      assert.ok(doc.paths[p], `${p} documented`);
    }
  });
});
