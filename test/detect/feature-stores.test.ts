/**
 * The detection path's writes on real stores (SQLite, and PostgreSQL when a server binary is on
 * the machine): a burst of decisions in one transaction (merge, escalation, per-item refusals
 * that do not stop the others), and a burst of alerts in one transaction (grouping per rule and
 * key, decision ids kept). Both run through compiled query shapes, whose SQL is the backend's.
 */
import assert from 'node:assert/strict';
import { KyokaError } from '@kyoka/core';
import { openAlertDb } from '../../packages/server/src/alerts/db.ts';
import { AlertService } from '../../packages/server/src/alerts/service.ts';
import type { RaiseInput } from '../../packages/server/src/alerts/types.ts';
import { openDecisionDb } from '../../packages/server/src/decisions/db.ts';
import { DecisionService } from '../../packages/server/src/decisions/service.ts';
import { openStore } from '../../packages/server/src/store/index.ts';
import { onRealStores } from '../helpers/stores.ts';

const HOUR = 3_600_000;

function detection(rule: string, key: string, n: number, decisionId?: number): RaiseInput {
  return {
    rule: { id: rule, title: `rule ${rule}`, severity: 'high', tags: ['attack.t1110'] },
    key,
    group: { 'source.ip': key },
    count: n,
    events: Array.from({ length: n }, (_, i) => `${rule}-${key}-${n}-${i}`),
    first: '2026-11-22T10:00:00.000Z',
    last: '2026-11-22T10:00:05.000Z',
    decisionId,
  };
}

async function exercise(url: string) {
  const store = await openStore({ url });
  const ddb = openDecisionDb(url).db;
  const adb = openAlertDb(url);
  try {
    const decisions = new DecisionService({ db: ddb, whitelist: ['192.168.0.0/16'] });
    await decisions.start({ timers: false });
    const seen: string[] = [];
    decisions.subscribe((c) => seen.push(`${c.kind} ${c.decision.value} ${c.decision.type}`));
    const made = await decisions.createMany([
      { value: '203.0.113.5', type: 'ban', duration_ms: HOUR, origin: 'kyoka', reason: 'a', scenario: 'r1' },
      { value: '192.168.1.9', type: 'ban', duration_ms: HOUR, origin: 'kyoka' },
      { value: 'not-an-ip', type: 'ban', duration_ms: HOUR, origin: 'kyoka' },
      { value: '203.0.113.5', type: 'ban', duration_ms: 2 * HOUR, origin: 'kyoka', reason: 'b', scenario: 'r2' },
      { value: '2001:db8::/64', type: 'deceive', duration_ms: HOUR, origin: 'manual' },
    ]);
    assert.equal(made.length, 5);
    const [a, wl, bad, merged, range] = made;
    assert.ok(a && merged && range);
    assert.ok(!(a instanceof Error) && !(merged instanceof Error) && !(range instanceof Error));
    assert.ok(wl instanceof KyokaError && wl.code === 'KYOKA_E_FORBIDDEN', 'whitelisted value refused');
    assert.ok(bad instanceof KyokaError && bad.code === 'KYOKA_E_BAD_REQUEST', 'bad value refused');
    assert.equal(merged.id, a.id, 'the second ban of the same value extends the first');
    assert.ok(merged.expires_at - a.created_at >= 2 * HOUR);
    assert.equal(range.scope, 'Range');
    assert.deepEqual(seen, ['new 203.0.113.5 ban', 'new 203.0.113.5 ban', 'new 2001:db8::/64 deceive']);
    assert.equal(decisions.active('203.0.113.5').length, 1);
    assert.equal(decisions.active('2001:db8::7').length, 1);

    // a repeat offender: removed, then decided again in one burst with another value
    await decisions.remove('203.0.113.5');
    const [again, other] = (await decisions.createMany([
      { value: '203.0.113.5', type: 'ban', duration_ms: HOUR, origin: 'kyoka' },
      { value: '198.51.100.7', type: 'reflect', duration_ms: HOUR, origin: 'kyoka' },
    ])) as Array<{ offence: number; created_at: number; expires_at: number; id: number }>;
    assert.equal(again?.offence, 2, 'second offence within the window');
    assert.ok((again?.expires_at ?? 0) - (again?.created_at ?? 0) >= 2 * HOUR, 'escalated');
    assert.equal(other?.offence, 1);
    const log = await decisions.store.changesSince(0);
    assert.deepEqual(
      log.map((c) => c.kind),
      ['new', 'new', 'new', 'deleted', 'new', 'new'],
      'one change per create, extension and removal, in order',
    );
    decisions.stop();

    const alerts = new AlertService({ db: adb });
    await alerts.start();
    const burst = await alerts.raiseMany([
      detection('bf-ssh', '203.0.113.5', 6, again?.id),
      detection('bf-ssh', '198.51.100.7', 5),
      detection('bf-ssh', '203.0.113.5', 2),
      detection('scan', '203.0.113.5', 1),
    ]);
    assert.deepEqual(
      burst.map((c) => [c.created, c.alert.count]),
      [
        [true, 6],
        [true, 5],
        [false, 8],
        [true, 1],
      ],
    );
    assert.equal(burst[2]?.alert.id, burst[0]?.alert.id, 'same rule and attacker: one alert');
    assert.equal(burst[2]?.alert.decision_id, String(again?.id), 'the decision id stays with the alert');
    const later = await alerts.raiseMany([detection('bf-ssh', '198.51.100.7', 1, other?.id)]);
    assert.equal(later[0]?.alert.count, 6);
    assert.equal(later[0]?.alert.decision_id, String(other?.id), 'a later decision fills an empty decision id');
    const stored = await alerts.get(burst[0]?.alert.id as string);
    assert.equal(stored?.count, 8);
    assert.equal(stored?.events.length, 8);
    const { total } = await alerts.list({}, { limit: 10, offset: 0 });
    assert.equal(total, 3);
    alerts.close();
  } finally {
    await ddb.destroy();
    await adb.destroy();
    await store.close();
  }
}

onRealStores('decision and alert bursts on real stores', exercise);
