/**
 * The rule engine against real stores (SQLite, and PostgreSQL when a server binary is on
 * the machine): migration v7 creates detection_rules, the repository round-trips rules, and
 * "test this rule against the last 24 h" pages through EventStore.search with the rule's
 * prefilter query compiled by the real backend.
 */
import assert from 'node:assert/strict';
import { createParser, type EventInput, normalizeEvent } from '@kyoka/core';
import { openRulesDb, RuleManager, RuleRepo, testRuleAgainstStore } from '../../packages/server/src/detect/index.ts';
import { openStore } from '../../packages/server/src/store/index.ts';
import { onRealStores } from '../helpers/stores.ts';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const RULE = `title: ssh failures
id: t-ssh
detection:
  s:
    event.action: sshd.login_failure
  condition: s
kyoka:
  threshold: { capacity: 2, leakspeed: 10s }
  action:
    decision: { type: ban, duration: 1h }
`;

function events() {
  const p = createParser('syslog');
  const ctx = { receivedAt: new Date(NOW), sourceName: 'test' };
  const lines = [
    ...[0, 1, 2].map(
      (i) => `Nov 21 10:00:0${i} web1 sshd[1]: Failed password for root from 203.0.113.5 port 4000${i} ssh2`,
    ),
    'Nov 21 10:00:03 web1 sshd[1]: Accepted password for alice from 198.51.100.2 port 40010 ssh2',
    'Nov 19 10:00:00 web1 sshd[1]: Failed password for root from 203.0.113.9 port 40011 ssh2',
  ];
  return lines
    .flatMap((l) => p.parse(l, ctx))
    .map((e) => normalizeEvent(e as EventInput, { receivedAt: NOW, source: 'test' }));
}

async function exercise(url: string) {
  const store = await openStore({ url, now: () => NOW });
  try {
    await store.events.init();
    await store.events.insert(events());
    const r = await testRuleAgainstStore(store.events, RULE, { now: NOW, pageSize: 2 });
    assert.deepEqual(r.errors, []);
    assert.equal(r.scanned, 3, 'only sshd.login_failure events of the last 24 h are read');
    assert.equal(r.matched.length, 3);
    assert.equal(r.detections.length, 1);
    assert.deepEqual(r.detections[0]?.decision, { type: 'ban', value: '203.0.113.5', duration_ms: 3_600_000 });
    const repo = new RuleRepo(openRulesDb(url), () => NOW);
    try {
      await repo.put('t-ssh', RULE.replace('capacity: 2', 'capacity: 9'), false);
      const got = await repo.get('t-ssh');
      assert.equal(got?.enabled, false);
      assert.equal(got?.updatedAt, NOW);
      const loaded = await new RuleManager({ dirs: [], repo }).reload();
      assert.equal(loaded.rules[0]?.threshold?.capacity, 9);
      assert.equal(loaded.rules[0]?.enabled, false);
      assert.equal(await repo.delete('t-ssh'), true);
      assert.deepEqual(await repo.list(), []);
    } finally {
      await repo.close();
    }
  } finally {
    await store.close();
  }
}

onRealStores('detection rules on real stores', exercise);
