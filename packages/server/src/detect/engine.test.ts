import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KyokaEvent } from '@kyoka/core';
import type { SearchRequest } from '../store/types.ts';
import { createEngine } from './engine.ts';
import { parseRules } from './load.ts';
import { setRuleOverrides } from './overrides.ts';
import { testRule, testRuleAgainstStore } from './replay.ts';
import { ev, rules, T0 } from './test-util.ts';

const HONEY = `title: hp\nid: hp\ndetection:\n  s:\n    event.dataset: opencanary\n  condition: s\nkyoka:\n  action:\n    alert: { severity: high }\n    decision: { type: ban, duration: 4h }\n`;
const hp = (ip: string, extra: Record<string, unknown> = {}) =>
  ev({ event: { dataset: 'opencanary', action: 'ssh.login_attempt' }, source: { ip }, ...extra });

describe('engine', () => {
  it('one Detection per rule and group per batch, counting the events (ids capped at 100)', () => {
    const e = createEngine({ rules: rules(HONEY) });
    const batch = [
      ...Array.from({ length: 150 }, () => hp('203.0.113.5')),
      hp('2001:db8::1'),
      hp('::ffff:203.0.113.6'),
    ];
    const out = e.process(batch);
    assert.equal(out.length, 3);
    assert.equal(out[0]?.count, 150);
    assert.equal(out[0]?.events.length, 100);
    assert.deepEqual(out[0]?.rule, { id: 'hp', title: 'hp', severity: 'high', tags: [], mode: 'default' });
    assert.deepEqual(
      out.map((d) => d.decision),
      [
        { type: 'ban', value: '203.0.113.5', duration_ms: 14_400_000 },
        { type: 'ban', value: '2001:db8::1', duration_ms: 14_400_000 },
        { type: 'ban', value: '203.0.113.6', duration_ms: 14_400_000 },
      ],
    );
    assert.equal(out[0]?.alert, true);
    assert.deepEqual(e.stats().hits, { hp: 152 });
  });

  it('whitelist: IPs, CIDRs (v4 and v6), user names and sensors produce nothing', () => {
    const e = createEngine({
      rules: rules(HONEY),
      whitelist: {
        ips: ['198.51.100.7', '10.0.0.0/8', '2001:db8:ffff::/48'],
        users: ['scanner'],
        sensors: ['lab-canary'],
      },
    });
    const out = e.process([
      hp('198.51.100.7'),
      hp('10.20.30.40'),
      hp('2001:db8:ffff::9'),
      hp('203.0.113.1', { user: { name: 'scanner' } }),
      hp('203.0.113.2', { observer: { name: 'lab-canary' } }),
      hp('203.0.113.3'),
    ]);
    assert.deepEqual(
      out.map((d) => d.group['source.ip']),
      ['203.0.113.3'],
    );
    assert.equal(e.stats().whitelisted, 5);
    assert.throws(() => createEngine({ rules: [], whitelist: { ips: ['10.0.0.0/33'] } }), /whitelist/);
  });

  it('mode overrides: alert-only drops the decision, deceive turns it into deceive', () => {
    const alertOnly = createEngine({ rules: rules(`${HONEY}  mode: alert-only\n`) }).process([hp('203.0.113.5')]);
    assert.equal(alertOnly[0]?.decision, undefined);
    assert.equal(alertOnly[0]?.alert, true);
    assert.equal(alertOnly[0]?.rule.mode, 'alert-only');
    const deceive = createEngine({ rules: rules(`${HONEY}  mode: deceive\n`) }).process([hp('203.0.113.5')]);
    assert.deepEqual(deceive[0]?.decision, { type: 'deceive', value: '203.0.113.5', duration_ms: 14_400_000 });
    const noIp = createEngine({ rules: rules(HONEY) }).process([ev({ event: { dataset: 'opencanary' } })]);
    assert.equal(noIp[0]?.decision, undefined, 'no address in the scope field: no decision');
  });

  it('disabled rules do nothing; the prefilter skips rules whose constants an event lacks', () => {
    const many = Array.from(
      { length: 200 },
      (_, i) => `title: r${i}\nid: r${i}\ndetection:\n  s:\n    event.action: act.${i}\n  condition: s\n`,
    ).join('---\n');
    const e = createEngine({ rules: [...rules(many), ...rules(`${HONEY}  enabled: false\n`)] });
    const out = e.process([ev({ event: { action: 'act.7', dataset: 'opencanary' } })]);
    assert.deepEqual(
      out.map((d) => d.rule.id),
      ['r7'],
    );
    assert.equal(e.stats().enabled, 200);
  });

  it('reload swaps rules; buckets of unchanged rules survive, changed rules start over', () => {
    const bf = `title: bf\nid: bf\ndetection:\n  s:\n    event.action: f\n  condition: s\nkyoka:\n  threshold: { capacity: 2, leakspeed: 1m }\n`;
    const e = createEngine({ rules: rules(bf), now: () => T0 });
    const f = () => ev({ event: { action: 'f' }, source: { ip: '203.0.113.5' } });
    e.process([f(), f()]);
    e.reload(rules(bf));
    assert.equal(e.process([f()]).length, 1, 'same rule text: the bucket kept its two units');
    e.reload(rules(`${bf}level: high\n`));
    assert.equal(e.stats().buckets, 0);
  });

  it('testRule: matches and detections over given events; errors instead of throwing', () => {
    const r = testRule(HONEY, [hp('203.0.113.5'), ev({ event: { dataset: 'sshd' } }), hp('203.0.113.5')]);
    assert.equal(r.matched.length, 2);
    assert.equal(r.detections.length, 1);
    assert.equal(r.detections[0]?.count, 2);
    const bad = testRule('title: x\ndetection: 5\n', []);
    assert.equal(bad.rule, null);
    assert.match(bad.errors[0]?.message ?? '', /detection must be a map/);
  });

  it('testRuleAgainstStore pages through the last 24 h oldest first, narrowed by the prefilter', async () => {
    const stored: KyokaEvent[] = Array.from({ length: 25 }, (_, i) => hp(`203.0.113.${i % 3}`));
    const seen: SearchRequest[] = [];
    const store = {
      async search(req: SearchRequest) {
        seen.push(req);
        const start = req.cursor ? Number(req.cursor) : 0;
        const events = stored.slice(start, start + req.limit);
        const next = start + req.limit < stored.length ? String(start + req.limit) : null;
        return { total: stored.length, events, cursor: next };
      },
    };
    const r = await testRuleAgainstStore(store, HONEY, { now: T0, pageSize: 10 });
    assert.equal(seen.length, 3);
    assert.deepEqual(seen[0]?.query, {
      type: 'term',
      field: 'event.dataset',
      value: 'opencanary',
      phrase: false,
      wildcard: false,
    });
    assert.equal(seen[0]?.from, T0 - 86_400_000);
    assert.equal(seen[0]?.order, 'asc');
    assert.equal(r.scanned, 25);
    assert.equal(r.matched.length, 25);
    assert.equal(r.detections.length, 9, 'three sources in each of three pages');
    const capped = await testRuleAgainstStore(store, HONEY, { now: T0, pageSize: 10, maxEvents: 10, maxMatches: 5 });
    assert.equal(capped.truncated, true);
    assert.equal(capped.total, 10);
    assert.equal(capped.matchedEvents[0]?.id, stored[0]?.id);
    assert.equal(capped.matched.length, 5);
  });

  it('setRuleOverrides rewrites kyoka.mode / kyoka.enabled in the rule text', () => {
    const text = setRuleOverrides(`# keep me\n${HONEY}`, { mode: 'alert-only', enabled: false });
    assert.match(text, /^# keep me/);
    const [r] = parseRules({ name: 'x', text }).rules;
    assert.equal(r?.mode, 'alert-only');
    assert.equal(r?.enabled, false);
    assert.equal(r?.action.decision?.type, 'ban');
    assert.throws(() => setRuleOverrides(HONEY, { mode: 'nope' as 'deceive' }), /mode must be/);
  });
});
