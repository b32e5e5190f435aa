import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertService } from '../service.ts';
import { tempAlertDb } from '../test-db.ts';
import type { RaiseInput } from '../types.ts';
import { escapeHtml, headerValue, plainLine } from './escape.ts';
import { TokenBucket } from './rate-limit.ts';
import { type Notice, renderHtml, renderText, subjectOf, webhookBody } from './render.ts';
import { crossedThreshold, matchesFilter } from './routing.ts';
import type { Sender } from './senders.ts';

const XSS = '<script>alert(1)</script>\r\nBcc: victim@example.org';

describe('routing', () => {
  const a = {
    rule_id: 'ssh-brute-force',
    severity: 'high' as const,
    tags: ['attack.t1110.001', 'attack.credential_access'],
  };
  it('matches rule globs, minimum severity and tags with sub-techniques', () => {
    assert.equal(matchesFilter({}, a), true);
    assert.equal(matchesFilter({ rules: ['ssh-*'] }, a), true);
    assert.equal(matchesFilter({ rules: ['ftp-*', 'redis'] }, a), false);
    assert.equal(matchesFilter({ min_severity: 'high' }, a), true);
    assert.equal(matchesFilter({ min_severity: 'critical' }, a), false);
    assert.equal(matchesFilter({ tags: ['attack.t1110'] }, a), true);
    assert.equal(matchesFilter({ tags: ['attack.t1046'] }, a), false);
    assert.equal(matchesFilter({ rules: ['ssh-*'], min_severity: 'critical' }, a), false);
  });
  it('re-notification thresholds', () => {
    assert.equal(crossedThreshold(5, 9), 0);
    assert.equal(crossedThreshold(9, 10), 10);
    assert.equal(crossedThreshold(10, 99), 0);
    assert.equal(crossedThreshold(50, 5000), 1000);
  });
});

describe('token bucket', () => {
  it('allows perMinute at once, then refills continuously', () => {
    let now = 0;
    const b = new TokenBucket(3, () => now);
    assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
    assert.equal(b.waitMs(), 20_000);
    now = 20_000;
    assert.equal(b.take(), true);
    assert.equal(b.take(), false);
  });
});

describe('escaping per medium', () => {
  const alert = {
    id: 'A1',
    rule_id: 'honeypot',
    rule_title: 'Honeypot login',
    severity: 'high' as const,
    tags: [],
    group_key: 'k',
    group: { 'source.ip': '203.0.113.5', 'user.name': XSS },
    status: 'new' as const,
    count: 1,
    first_seen: '2025-01-01T00:00:00.000Z',
    last_seen: '2025-01-01T00:00:00.000Z',
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    events: [],
    decision_id: null,
  };
  const n: Notice = { reason: 'created', alert, event: { 'url.original': '/"><img src=x onerror=1>' } };
  it('HTML part escapes attacker text', () => {
    const html = renderHtml(n);
    assert.ok(!html.includes('<script>'));
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.equal(escapeHtml(`"'&`), '&quot;&#39;&amp;');
  });
  it('subject and text lines carry no CR/LF from attacker data', () => {
    const subj = subjectOf(n);
    assert.ok(!/[\r\n]/.test(subj));
    assert.ok(subj.length <= 200);
    const userLine = renderText(n)
      .split('\n')
      .find((l) => l.startsWith('user.name:'));
    assert.ok(userLine?.includes('Bcc: victim@example.org'), 'the payload stays on its own line');
    assert.ok(
      !renderText(n)
        .split('\n')
        .some((l) => l.startsWith('Bcc:')),
    );
    assert.equal(plainLine('a\u202eb\u0000c'), 'a b c');
    assert.equal(headerValue('x\r\ny'), 'x y');
  });
  it('webhook body round-trips through JSON unchanged', () => {
    const body = JSON.parse(JSON.stringify(webhookBody(n)));
    assert.equal(body.alert.group['user.name'], XSS);
    assert.equal(body.type, 'alert.created');
  });
});

describe('dispatcher: dedupe, re-notify, rate limit, retries', () => {
  let t: Awaited<ReturnType<typeof tempAlertDb>>;
  let svc: AlertService;
  const sent: Array<{ to: string; n: Notice }> = [];
  let failNext = 0;
  let now = Date.parse('2025-01-01T10:00:00Z');
  const sender: Sender = {
    async send(config, n) {
      if (failNext > 0) {
        failNext--;
        throw new Error('boom');
      }
      sent.push({ to: (config as { url: string }).url, n });
    },
  };
  const det = (rule: string, key: string, count = 1, severity = 'high'): RaiseInput => ({
    rule: { id: rule, title: `T ${rule}`, severity, tags: [] },
    key,
    group: { 'source.ip': key },
    count,
    events: [],
    first: new Date(now).toISOString(),
    last: new Date(now).toISOString(),
  });
  const channel = (name: string, extra: Record<string, unknown> = {}) =>
    svc.createChannel({
      name,
      type: 'webhook',
      config: { url: `http://127.0.0.1:9/${name}`, method: 'POST', headers: { authorization: 'Bearer s3cret' } },
      ...extra,
    });

  before(async () => {
    t = await tempAlertDb();
    svc = new AlertService({ db: t.db, senders: { webhook: sender }, retryDelaysMs: [5, 5], now: () => now });
    await svc.start();
  });
  after(async () => {
    svc.close();
    await t.close();
  });

  it('masks secrets in the view and keeps them on a masked PUT', async () => {
    const c = await channel('masked', { enabled: false });
    assert.equal((c.config as { headers: Record<string, string> }).headers.authorization, '********');
    await svc.updateChannel(c.id, { name: 'masked', type: 'webhook', enabled: false, config: c.config as never });
    const stored = await svc.channels.get(c.id);
    const cfg = stored?.config as unknown as { headers: Record<string, string> };
    assert.equal(cfg.headers.authorization, 'Bearer s3cret');
  });

  it('one message per alert creation, routed by filter, re-notify on crossing 10', async () => {
    await channel('all', { renotify: true });
    await channel('critical-only', { filter: { min_severity: 'critical' } });
    await svc.raise(det('r1', '203.0.113.1', 3));
    await svc.raise(det('r1', '203.0.113.1', 3));
    await svc.raise(det('r1', '203.0.113.1', 5)); // 11: crosses 10
    await svc.raise(det('r1', '203.0.113.1', 5)); // 16: nothing
    await svc.idle();
    const all = sent.filter((s) => s.to.endsWith('/all'));
    assert.deepEqual(
      all.map((s) => [s.n.reason, s.n.level]),
      [
        ['created', undefined],
        ['escalated', 10],
      ],
    );
    assert.equal(sent.filter((s) => s.to.endsWith('/critical-only')).length, 0);
    await svc.raise(det('r2', '203.0.113.2', 1, 'critical'));
    await svc.idle();
    assert.equal(sent.filter((s) => s.to.endsWith('/critical-only')).length, 1);
  });

  it('retries a failed delivery', async () => {
    sent.length = 0;
    failNext = 2;
    const before = svc.dispatcher.stats.retried;
    await svc.raise(det('r3', '203.0.113.3'));
    await svc.idle();
    assert.equal(svc.dispatcher.stats.retried - before, 2);
    assert.equal(sent.filter((s) => s.to.endsWith('/all') && s.n.alert?.rule_id === 'r3').length, 1);
  });

  it('rate limits per channel and summarises the excess in the next message', async () => {
    const c = await channel('limited', { rate_per_min: 2, filter: { rules: ['burst'] } });
    sent.length = 0;
    for (let i = 0; i < 5; i++) await svc.raise(det('burst', `198.51.100.${i}`));
    await svc.idle();
    const lim = sent.filter((s) => s.to.endsWith('/limited'));
    assert.equal(lim.length, 2, 'two tokens, three held back');
    now += 30_000; // one token back
    await svc.raise(det('burst', '198.51.100.99'));
    await svc.idle();
    const next = sent.filter((s) => s.to.endsWith('/limited'))[2];
    assert.equal(next?.n.suppressed?.count, 3);
    assert.deepEqual(next?.n.suppressed?.byRule, { 'T burst': 3 });
    await svc.deleteChannel(c.id);
  });
});
