import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertStore, SAMPLE_CAP } from './store.ts';
import { tempAlertDb } from './test-db.ts';
import type { RaiseInput } from './types.ts';

const rule = { id: 'ssh-brute-force', title: 'SSH brute force', severity: 'high', tags: ['attack.t1110'] };
const T0 = Date.parse('2025-01-01T10:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const det = (ip: string, firstMs: number, count = 5, ids: string[] = []): RaiseInput => ({
  rule,
  key: ip,
  group: { 'source.ip': ip },
  count,
  events: ids,
  first: at(firstMs),
  last: at(firstMs + 1000),
});

describe('alert store: grouping', () => {
  let t: Awaited<ReturnType<typeof tempAlertDb>>;
  let s: AlertStore;
  const now = T0;
  before(async () => {
    t = await tempAlertDb();
    s = new AlertStore(t.db, { windowMs: 3_600_000, now: () => now });
  });
  after(() => t.close());

  it('one attacker burst is one alert that counts events', async () => {
    const a = await s.raise(det('203.0.113.5', 0, 5, ['e1', 'e2']));
    assert.equal(a.created, true);
    assert.equal(a.alert.status, 'new');
    const b = await s.raise(det('203.0.113.5', 60_000, 7, ['e2', 'e3']));
    assert.equal(b.created, false);
    assert.equal(b.alert.id, a.alert.id);
    assert.equal(b.alert.count, 12);
    assert.equal(b.previousCount, 5);
    assert.deepEqual(b.alert.events, ['e1', 'e2', 'e3']);
    assert.equal(b.alert.last_seen, at(61_000));
    assert.equal(b.alert.first_seen, at(0));
  });

  it('another key or another rule opens its own alert', async () => {
    const other = await s.raise(det('198.51.100.7', 0));
    assert.equal(other.created, true);
    const r2 = await s.raise({ ...det('203.0.113.5', 0), rule: { ...rule, id: 'ftp-brute-force' } });
    assert.equal(r2.created, true);
  });

  it('parallel raises for one key still make one alert', async () => {
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.raise(det('192.0.2.50', i * 100, 1, [`p${i}`]))),
    );
    assert.equal(rs.filter((r) => r.created).length, 1);
    const got = await s.get(rs[0]?.alert.id as string);
    assert.equal(got?.count, 10);
  });

  it('a new alert after the window or once closed; acknowledged still groups', async () => {
    const first = await s.raise(det('192.0.2.99', 0));
    await s.setStatus(first.alert.id, 'acknowledged');
    const ack = await s.raise(det('192.0.2.99', 30 * 60_000));
    assert.equal(ack.created, false);
    const late = await s.raise(det('192.0.2.99', 30 * 60_000 + 1000 + 3_600_001));
    assert.equal(late.created, true, 'past the window since last_seen');
    await s.setStatus(late.alert.id, 'closed');
    const again = await s.raise(det('192.0.2.99', 30 * 60_000 + 1000 + 3_600_002));
    assert.equal(again.created, true, 'closed alerts never grow');
  });

  it('caps the event sample and keeps the first decision id', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `x${i}`);
    const a = await s.raise({ ...det('192.0.2.77', 0, 50, ids), decisionId: 'd1' });
    assert.equal(a.alert.events.length, SAMPLE_CAP);
    const b = await s.raise({ ...det('192.0.2.77', 10, 1, ['y']), decisionId: 'd2' });
    assert.equal(b.alert.decision_id, 'd1');
  });

  it('lists with filters and paging; q matches group values case-insensitively, % is literal', async () => {
    const all = await s.list({}, { limit: 100, offset: 0 });
    assert.ok(all.total >= 6);
    const ip = await s.list({ q: '198.51.100' }, { limit: 10, offset: 0 });
    assert.equal(ip.total, 1);
    assert.equal(ip.alerts[0]?.group['source.ip'], '198.51.100.7');
    assert.equal((await s.list({ q: '%' }, { limit: 10, offset: 0 })).total, 0);
    assert.equal((await s.list({ rule: 'ftp-brute-force' }, { limit: 10, offset: 0 })).total, 1);
    assert.ok(
      (await s.list({ status: 'closed' }, { limit: 10, offset: 0 })).alerts.every((a) => a.status === 'closed'),
    );
    const page = await s.list({}, { limit: 2, offset: 1 });
    assert.equal(page.alerts.length, 2);
    assert.equal(page.alerts[0]?.id, all.alerts[1]?.id);
    const none = await s.list({ from: T0 + 10 * 3_600_000 }, { limit: 10, offset: 0 });
    assert.equal(none.total, 0);
  });

  it('setStatus on a missing alert is NOT_FOUND', async () => {
    await assert.rejects(s.setStatus('nope', 'closed'), (e: { code?: string }) => e.code === 'KYOKA_E_NOT_FOUND');
  });
});
