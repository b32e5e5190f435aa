/**
 * Alerts page in a real browser (Debian's chromium through playwright-core) against a real
 * `kyoka start`: an alert whose group carries an XSS payload in the attacker's user name is
 * listed with its severity and count, its detail drawer shows the matching event, and the
 * payload is rendered as text (no element injected, no script run). Rules and decisions pages
 * render (an empty state when their API has nothing or is absent).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openAlertDb } from '../../packages/server/src/alerts/db.ts';
import { AlertStore } from '../../packages/server/src/alerts/store.ts';
import { type Browser, login, openBrowser, waitForText } from '../helpers/browser.ts';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe('console: alerts', () => {
  let k: Kyoka;
  let browser: Browser;
  let page: Page;
  let alertId: string;
  let pageErrors: string[] = [];

  before(async () => {
    k = await startKyoka({ env: { KYOKA_ADMIN_PASSWORD: 'alerts-console-password' } });
    const ing = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event: { action: 'ssh.login_attempt', dataset: 'opencanary', outcome: 'failure' },
        source: { ip: '203.0.113.44' },
        user: { name: XSS },
      }),
    });
    assert.equal(ing.status, 200);
    const found = await searchUntil(k, k.readKey, { q: 'source.ip:203.0.113.44' }, (r) => r.total === 1);
    const db = openAlertDb(`sqlite:${join(k.dataDir, 'kyoka.db')}`);
    const store = new AlertStore(db, { windowMs: 3_600_000, now: Date.now });
    const now = new Date().toISOString();
    const r = await store.raise({
      rule: { id: 'honeypot-interaction', title: 'Honeypot interaction', severity: 'critical', tags: ['attack.t1110'] },
      key: `203.0.113.44|${XSS}`,
      group: { 'source.ip': '203.0.113.44', 'user.name': XSS },
      count: 42,
      events: [found.events[0]?.id as string],
      first: now,
      last: now,
    });
    alertId = r.alert.id;
    await db.destroy();

    browser = await openBrowser({ width: 1600, height: 900 });
    page = browser.page;
    pageErrors = browser.pageErrors;
    await login(page, k.url, 'admin', 'alerts-console-password');
  });

  after(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('lists the alert and shows attacker text as text in the list and the drawer', async () => {
    await page.getByTestId('nav-alerts').click();
    const row = page.locator(`tr[data-alert-id="${alertId}"]`);
    const text = await waitForText(row, 'Honeypot interaction');
    assert.ok(text.includes(XSS), 'payload shown as text');
    assert.match(text, /critical/);
    assert.match(text, /42/);
    await row.click();
    const detail = page.getByTestId('alert-detail');
    await waitForText(detail, 'honeypot-interaction');
    await waitForText(page.getByTestId('alert-events'), '203.0.113.44');
    assert.ok(((await page.getByTestId('alert-events').textContent()) ?? '').includes(XSS));
    await waitForText(page.getByTestId('alert-decision'), 'No decision');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);

    await page.getByTestId('alert-ack').click();
    await waitForText(detail, 'acknowledged');
    await page.keyboard.press('Escape');
    await page.getByTestId('alerts-q').fill('no-such-attacker');
    await page.getByTestId('alerts-q').press('Enter');
    await waitForText(page.getByTestId('alerts-empty'), 'No alerts match');
  });

  it('renders the rules and decisions pages, in both languages', async () => {
    await page.getByTestId('nav-rules').click();
    await waitForText(page.getByRole('heading', { level: 2 }), 'Rules');
    await page.getByTestId('nav-decisions').click();
    await waitForText(page.getByRole('heading', { level: 2 }), 'Decisions');
    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await page.getByTestId('nav-alerts').click();
    await waitForText(page.getByRole('heading', { level: 2 }), '告警');
    await waitForText(page.getByTestId('severity-badge'), '严重');
    assert.deepEqual(pageErrors, []);
  });
});
