/**
 * Decision service against a real SQLite file: merge, escalation, expiry (with deleted
 * changes), removal, CIDR matching, whitelist refusal, persistence across a reopen and the
 * pick-up of changes written by another connection (the CLI's path).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { openDecisionDb } from './db.ts';
import { DecisionService } from './service.ts';
import type { Change } from './store.ts';

let dir: string;
let store: Store;
const url = () => `sqlite:${join(dir, 'kyoka.db')}`;
const open = (o: Partial<ConstructorParameters<typeof DecisionService>[0]> = {}) =>
  new DecisionService({ db: openDecisionDb(url()).db, ...o });
const H = 3_600_000;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyoka-decisions-'));
  store = await openStore({ url: url() });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DecisionService', () => {
  it('canonicalises values and merges a repeat into the live decision', async () => {
    const svc = open();
    await svc.start({ timers: false });
    const seen: Change[] = [];
    svc.subscribe((c) => seen.push(c));
    const a = await svc.create({ value: '::ffff:198.51.100.7', type: 'ban', duration_ms: H, origin: 'manual' });
    assert.equal(a.value, '198.51.100.7');
    assert.equal(a.scope, 'Ip');
    const b = await svc.create({ value: '198.51.100.7', type: 'ban', duration_ms: 2 * H, origin: 'manual' });
    assert.equal(b.id, a.id, 'same value+type extends instead of duplicating');
    assert.ok(b.expires_at >= a.created_at + 2 * H - 5);
    const c = await svc.create({ value: '198.51.100.7', type: 'ban', duration_ms: 60_000, origin: 'manual' });
    assert.equal(c.expires_at, b.expires_at, 'a shorter repeat does not shorten');
    assert.deepEqual(
      seen.map((x) => x.kind),
      ['new', 'new'],
    );
    const d = await svc.create({ value: '198.51.100.7', type: 'deceive', duration_ms: H, origin: 'manual' });
    assert.notEqual(d.id, a.id, 'another type is another decision');
    assert.equal(svc.active('198.51.100.7').length, 2);
    await svc.remove('198.51.100.7');
    assert.equal(svc.active('198.51.100.7').length, 0);
    svc.stop();
    await svc.store.db.destroy();
  });

  it('escalates repeat offenders: duration × 2^(n-1) up to the cap', async () => {
    const svc = open({ escalation: { maxMs: 10 * H } });
    await svc.start({ timers: false });
    const durations: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await svc.create({
        value: '203.0.113.9',
        type: 'ban',
        duration_ms: 2 * H,
        origin: 'kyoka',
        scenario: 'kyoka/ssh-bf',
      });
      durations.push(Math.round((d.expires_at - d.created_at) / H));
      assert.equal(d.offence, i + 1);
      await svc.remove(d.id);
    }
    assert.deepEqual(durations, [2, 4, 8, 10]);
    const manual = await svc.create({ value: '203.0.113.9', type: 'ban', duration_ms: 2 * H, origin: 'manual' });
    assert.equal(manual.expires_at - manual.created_at, 2 * H, 'manual decisions keep their duration');
    const hist = await svc.list({ value: '203.0.113.9', active: false });
    assert.equal(hist.length, 5, 'history kept');
    svc.stop();
    await svc.store.db.destroy();
  });

  it('expires decisions into the deleted set and announces them', async () => {
    const svc = open();
    await svc.start({ timers: false });
    const seen: Change[] = [];
    svc.subscribe((c) => seen.push(c));
    const d = await svc.create({ value: '192.0.2.10', type: 'ban', duration_ms: 50, origin: 'manual' });
    assert.equal(await svc.expireNow(d.expires_at - 1), 0);
    assert.equal(await svc.expireNow(d.expires_at + 1), 1);
    assert.deepEqual(
      seen.map((c) => [c.kind, c.decision.id]),
      [
        ['new', d.id],
        ['deleted', d.id],
      ],
    );
    assert.ok(seen[1]?.decision.deleted_at);
    assert.equal(svc.active('192.0.2.10').length, 0);
    const again = await svc.create({ value: '192.0.2.10', type: 'ban', duration_ms: H, origin: 'manual' });
    assert.notEqual(again.id, d.id);
    await svc.remove(again.id);
    svc.stop();
    await svc.store.db.destroy();
  });

  it('matches CIDRs for IPv4 and IPv6 and refuses whitelisted values', async () => {
    const svc = open({ whitelist: ['10.0.0.0/8', '2001:db8:ffff::1'] });
    await svc.start({ timers: false });
    const r4 = await svc.create({ value: '100.64.3.77/16', type: 'ban', duration_ms: H, origin: 'manual' });
    assert.equal(r4.value, '100.64.0.0/16');
    assert.equal(r4.scope, 'Range');
    const r6 = await svc.create({ value: '2001:DB8:0:1::/64', type: 'ban', duration_ms: H, origin: 'manual' });
    assert.equal(r6.value, '2001:db8:0:1::/64');
    assert.deepEqual(
      svc.active('100.64.250.1').map((r) => r.id),
      [r4.id],
    );
    assert.equal(svc.active('100.65.0.1').length, 0);
    assert.deepEqual(
      svc.active('2001:db8:0:1:abcd::5').map((r) => r.id),
      [r6.id],
    );
    const host = await svc.create({ value: '1.2.3.4/32', type: 'reflect', duration_ms: H, origin: 'manual' });
    assert.equal(host.scope, 'Ip');
    assert.equal(host.value, '1.2.3.4');
    await assert.rejects(
      svc.create({ value: '10.1.2.3', type: 'ban', duration_ms: H, origin: 'kyoka' }),
      /whitelisted/,
    );
    await assert.rejects(
      svc.create({ value: '10.0.0.0/7', type: 'ban', duration_ms: H, origin: 'kyoka' }),
      /whitelisted/,
    );
    await assert.rejects(
      svc.create({ value: '2001:db8:ffff::/48', type: 'ban', duration_ms: H, origin: 'kyoka' }),
      /whitelisted/,
    );
    await assert.rejects(
      svc.create({ value: '300.1.1.1', type: 'ban', duration_ms: H, origin: 'kyoka' }),
      /not an IPv4/,
    );
    await assert.rejects(svc.create({ value: '10.1', type: 'ban', duration_ms: H, origin: 'kyoka' }), /not an IPv4/);
    svc.stop();
    await svc.store.db.destroy();
  });

  it('persists: a new service loads the live set; it picks up writes from another connection', async () => {
    const a = open();
    await a.start({ timers: false });
    const before = a.size;
    const d = await a.create({ value: '198.18.0.1', type: 'ban', duration_ms: H, origin: 'manual' });
    const b = open();
    await b.start({ timers: false });
    assert.equal(b.size, before + 1);
    assert.equal(b.active('198.18.0.1')[0]?.uuid, d.uuid);
    const seen: Change[] = [];
    b.subscribe((c) => seen.push(c));
    await a.create({ value: '198.18.0.2', type: 'ban', duration_ms: H, origin: 'cscli' });
    await a.remove(d.id);
    assert.equal(await b.poll(), 2);
    assert.deepEqual(
      seen.map((c) => [c.kind, c.decision.value]),
      [
        ['new', '198.18.0.2'],
        ['deleted', '198.18.0.1'],
      ],
    );
    assert.equal(b.active('198.18.0.1').length, 0);
    assert.equal(await a.poll(), 0, 'own changes are not announced twice');
    assert.deepEqual(
      a.recent(b.seq - 2)?.map((c) => c.kind),
      ['new', 'deleted'],
    );
    for (const s of [a, b]) {
      s.stop();
      await s.store.db.destroy();
    }
  });
});
