/**
 * The console in a real browser (Debian's chromium through playwright-core) against a real
 * `kyoka start`: login, overview counts, search + detail drawer, bad-query feedback, language
 * switch, API keys, and attacker-controlled payloads rendered as text (no script execution).
 * Screenshots go to a temp dir printed in the test output.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Browser, login, openBrowser, waitForText } from '../helpers/browser.ts';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const XSS = {
  script: '<script>window.__xss=1</script>',
  img: '<img src=x onerror="window.__xss=1">',
  js: 'javascript:window.__xss=1',
};

const ATTACKER_IP = '203.0.113.77';
const BULK = 60;

async function ingest(k: Kyoka, events: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${k.url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/x-ndjson' },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('console', () => {
  let k: Kyoka;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let pageErrors: string[] = [];
  const dialogs: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  before(async () => {
    k = await startKyoka();
    const now = Date.now();
    const bulk = Array.from({ length: BULK }, (_, i) => ({
      '@timestamp': new Date(now - i * 13 * 60_000).toISOString(),
      event: { action: i % 3 ? 'ssh.login_attempt' : 'http.request', category: ['authentication'], outcome: 'failure' },
      source: { ip: i % 2 ? ATTACKER_IP : `198.51.100.${i}`, port: 40000 + i },
      user: { name: i % 2 ? 'root' : 'oracle' },
      message: `bulk event ${i}`,
    }));
    await ingest(k, bulk);
    await ingest(k, [
      {
        '@timestamp': new Date(now - 5_000).toISOString(),
        event: { action: 'web.probe', original: `GET /?q=${XSS.script} HTTP/1.1` },
        source: { ip: '192.0.2.66' },
        user: { name: XSS.script },
        url: { full: XSS.js },
        user_agent: { original: XSS.img },
        message: XSS.img,
      },
    ]);
    await searchUntil(k, k.readKey, { q: '', limit: '1' }, (r) => r.total >= BULK + 1);

    shots = mkdtempSync(join(tmpdir(), 'kyoka-console-shots-'));
    mkdirSync(shots, { recursive: true });
    console.log(`screenshots: ${shots}`);
    browser = await openBrowser();
    page = browser.page;
    pageErrors = browser.pageErrors;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('redirects to login, rejects a wrong password, then signs in', async () => {
    await page.goto(`${k.url}/search`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('definitely-wrong');
    await page.getByTestId('login-submit').click();
    await waitForText(page.getByTestId('login-error'), 'Invalid username or password');
    await shot('01-login-error');

    await page.getByLabel('Username', { exact: true }).fill(k.adminUser);
    await page.getByLabel('Password', { exact: true }).fill(k.adminPassword);
    await page.getByTestId('login-submit').click();
    await waitForText(page.getByTestId('current-user'), 'admin');
    // returns to the page that was asked for
    await page.waitForURL(/\/search/);
  });

  it('overview shows the ingested counts, top values and source health', async () => {
    await page.getByTestId('nav-overview').click();
    await waitForText(page.getByTestId('stat-total'), String(BULK + 1));
    const topIps = page.getByTestId('top-source-ip');
    await waitForText(topIps, ATTACKER_IP);
    const ipRow = topIps.locator('tr', { hasText: ATTACKER_IP });
    assert.match((await ipRow.textContent()) ?? '', new RegExp(`${BULK / 2}$`));
    await waitForText(page.getByTestId('top-event-action'), 'ssh.login_attempt');
    const api = page.getByTestId('source-health').locator('tr[data-source="api"]');
    await waitForText(api, 'http');
    assert.equal((await api.locator('td[data-col="events"]').textContent())?.trim(), String(BULK + 1));
    assert.equal(await api.locator('[data-status]').getAttribute('data-status'), 'active');
    await page.locator('[data-testid=histogram] canvas').first().waitFor();
    await page.waitForTimeout(300);
    await shot('02-overview');

    // clicking a top value opens search with that filter
    await topIps.getByText(ATTACKER_IP, { exact: true }).click();
    await page.waitForURL(/\/search\?/);
    assert.equal(await page.getByTestId('query-input').inputValue(), `source.ip:${ATTACKER_IP}`);
    await waitForText(page.getByTestId('result-total'), `${BULK / 2} events`);
  });

  it('searches, pages with the cursor and opens the detail drawer', async () => {
    await page.getByTestId('query-input').fill('event.action:ssh.login_attempt or event.action:http.request');
    await page.getByTestId('query-submit').click();
    await waitForText(page.getByTestId('result-total'), `${BULK} events`);
    const rows = page.locator('[data-testid=results] tbody tr');
    await waitForText(rows.first(), 'bulk event');
    assert.equal(await rows.count(), 50);
    await page.getByTestId('load-more').click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid=results] tbody tr').length === ${BULK}`);
    assert.equal(await page.getByTestId('load-more').count(), 0, 'no cursor after the last page');

    // query history keeps the query
    await page.getByTestId('query-history').click();
    await page.getByRole('menuitem', { name: 'event.action:ssh.login_attempt or event.action:http.request' }).waitFor();
    await page.keyboard.press('Escape');

    await rows.first().click();
    const drawer = page.getByTestId('event-drawer');
    await drawer.waitFor();
    const fields = drawer.getByTestId('event-fields');
    await waitForText(fields.locator('tr[data-field="event.action"]'), /ssh\.login_attempt|http\.request/);
    await waitForText(fields.locator('tr[data-field="message"]'), 'bulk event 0');
    const keys = await fields
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-field') ?? ''));
    assert.deepEqual(keys, [...keys].sort(), 'fields are sorted');
    assert.ok(keys.includes('source.port') && keys.includes('event.category'));
    const raw = JSON.parse((await drawer.getByTestId('event-raw').textContent()) ?? '');
    assert.equal(raw.message, 'bulk event 0');
    await shot('03-search-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  it('shows a bad query error with the position marked under the query', async () => {
    await page.getByTestId('query-input').fill('source.ip:(1.2.3.4 or');
    await page.getByTestId('query-submit').click();
    const err = page.getByTestId('query-error');
    await err.waitFor();
    assert.match((await err.textContent()) ?? '', /position \d+/);
    const marker = await page.getByTestId('query-error-marker').textContent();
    assert.ok(marker?.startsWith('source.ip:(1.2.3.4 or'), `marker shows the query: ${marker}`);
    assert.match(marker ?? '', /\n\s*\^$/);
    await shot('04-bad-query');
  });

  it('renders attacker-controlled values as literal text and never runs them', async () => {
    await page.goto(`${k.url}/search?q=${encodeURIComponent('event.action:web.probe')}&range=24h`);
    const rows = page.locator('[data-testid=results] tbody tr');
    await waitForText(rows.first(), XSS.script);
    assert.equal(await rows.count(), 1);
    // the summary column shows the message payload literally
    await waitForText(rows.first(), XSS.img);
    await rows.first().click();
    const drawer = page.getByTestId('event-drawer');
    await drawer.waitFor();
    const val = (f: string) => drawer.locator(`tr[data-field="${f}"] td`).nth(1).textContent();
    assert.equal(await val('user.name'), XSS.script);
    assert.equal(await val('url.full'), XSS.js);
    assert.equal(await val('user_agent.original'), XSS.img);
    assert.equal(await val('message'), XSS.img);
    assert.equal(await drawer.getByTestId('event-original').textContent(), `GET /?q=${XSS.script} HTTP/1.1`);
    const raw = (await drawer.getByTestId('event-raw').textContent()) ?? '';
    assert.equal(JSON.parse(raw).user_agent.original, XSS.img);
    assert.ok(raw.includes(XSS.script));
    // nothing became markup or a link
    assert.equal(await page.locator('#root img, [role=dialog] img').count(), 0);
    assert.equal(await page.locator('body script:not([type=module])').count(), 0);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.ok(!hrefs.some((h) => h.includes('javascript:') || h.includes('__xss')), `hrefs: ${hrefs.join(' ')}`);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
    assert.deepEqual(dialogs, []);
    await shot('05-xss-drawer');
    await page.keyboard.press('Escape');
  });

  it('switches to Chinese, keeps it across a reload, and back', async () => {
    await page.getByTestId('nav-overview').click();
    await waitForText(page.getByTestId('nav-search'), 'Search');
    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await waitForText(page.getByTestId('nav-search'), '搜索');
    await waitForText(page.getByTestId('nav-overview'), '概览');
    await waitForText(page.locator('main'), '事件趋势');
    assert.equal(await page.evaluate('document.documentElement.lang'), 'zh-CN');
    await page.reload();
    await waitForText(page.getByTestId('nav-keys'), 'API 密钥');
    await waitForText(page.locator('main'), '来源 IP 排行');
    assert.equal(await page.evaluate("localStorage.getItem('kyoka.lang')"), 'zh');
    await waitForText(page.getByTestId('stat-total'), String(BULK + 1));
    await page.waitForTimeout(300);
    await shot('06-overview-zh');
    await page.getByTestId('language-switch').getByText('EN', { exact: true }).click();
    await waitForText(page.getByTestId('nav-search'), 'Search');
  });

  it('creates an API key, shows the secret once, and revokes it', async () => {
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('keys-table').waitFor();
    await page.getByTestId('create-key').click();
    await page.getByLabel('Name').fill('console-test-key');
    await page.getByTestId('key-role').click();
    await page.getByRole('option', { name: /^analyst/ }).click();
    await page.getByTestId('create-key-submit').click();
    const secretEl = page.getByTestId('key-secret');
    await secretEl.waitFor();
    const secret = ((await secretEl.textContent()) ?? '').trim();
    assert.match(secret, /^kyk_/);
    await waitForText(page.getByTestId('key-secret-warning'), 'shown only once');
    await shot('07-key-secret');

    // the secret works: the analyst key can search
    const res = await fetch(`${k.url}/api/v1/search?limit=1`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 200);

    await page.getByTestId('key-secret-done').click();
    await page.getByTestId('key-secret-modal').waitFor({ state: 'detached' });
    const row = page.getByTestId('keys-table').locator('tr', { hasText: 'console-test-key' });
    await waitForText(row, 'analyst');
    assert.ok(!((await page.locator('body').textContent()) ?? '').includes(secret), 'secret is not shown again');
    await page.reload();
    await waitForText(row, 'console-test-key');
    assert.ok(!((await page.locator('body').textContent()) ?? '').includes(secret));
    await shot('08-keys');

    await row.getByTestId('revoke-key').click();
    await page.getByTestId('revoke-confirm').click();
    await waitForText(row, 'Revoked');
    assert.equal(await row.getByTestId('revoke-key').isDisabled(), true);
    const afterRevoke = await fetch(`${k.url}/api/v1/search?limit=1`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(afterRevoke.status, 401);
  });

  it('shows the agents empty state with the commands as code, and one date format on decisions', async () => {
    await page.getByTestId('nav-agents').click();
    const empty = page.getByTestId('agents-empty');
    await waitForText(empty, 'No agents yet');
    assert.ok(!((await empty.textContent()) ?? '').includes('`'), 'no literal backticks');
    assert.deepEqual(await empty.locator('code').allTextContents(), ['kyoka agent', 'kyoka waf']);

    await page.getByTestId('nav-decisions').click();
    await page.getByTestId('add-decision').click();
    await page.getByTestId('decision-value').fill('198.51.100.250');
    await page.getByTestId('decision-submit').click();
    const row = page.getByTestId('decisions-table').locator('tr', { hasText: '198.51.100.250' });
    await waitForText(row, 'ban');
    // created and expires use the same (full) formatter: both show the year and seconds
    const cells = await row.locator('td').allTextContents();
    const dates = cells.filter((c) => /\d{1,2}:\d{2}/.test(c));
    assert.equal(dates.length, 2, `two date cells: ${cells.join(' | ')}`);
    for (const d of dates) assert.match(d, /\b20\d\d\b.*\d{2}:\d{2}:\d{2}/, `full date: ${d}`);
  });

  it('is usable at 375 px: burger nav, full-width query, scrolling tables, language and log out reachable', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      const docWidth = () => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;
      // polls: the drawer slides in, so its contents are off screen for a moment
      const inViewport = async (testId: string) => {
        let box: { x: number; y: number; width: number; height: number } | null = null;
        for (let i = 0; i < 30; i++) {
          box = await page.getByTestId(testId).boundingBox();
          if (box && box.x >= 0 && box.x + box.width <= 375 && box.y >= 0 && box.y + box.height <= 740) return;
          await page.waitForTimeout(100);
        }
        assert.fail(`${testId} is not on screen: ${JSON.stringify(box)}`);
      };
      const openNav = async () => {
        await page.getByTestId('nav-burger').click();
        await page.getByRole('dialog').waitFor();
      };

      await page.goto(`${k.url}/overview`);
      await page.getByTestId('nav-burger').waitFor();
      await waitForText(page.getByTestId('stat-total'), String(BULK + 1));
      assert.ok((await docWidth()) <= 375, `page is not wider than the screen: ${await docWidth()}`);

      // every page link is in the drawer; following one closes it
      await openNav();
      for (const id of ['overview', 'search', 'alerts', 'rules', 'decisions', 'keys', 'agents', 'waf']) {
        assert.equal(await page.getByRole('dialog').getByTestId(`nav-${id}`).count(), 1, `nav-${id} in the drawer`);
      }
      await page.getByTestId('nav-search').click();
      await page.waitForURL(/\/search/);
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      // the query input gets its own full-width row; the buttons stay on screen
      const q = await page.getByTestId('query-input').boundingBox();
      assert.ok(q && q.width >= 300, `query input is full width: ${q?.width}`);
      await page.getByTestId('query-input').fill(`source.ip:${ATTACKER_IP}`);
      await inViewport('query-submit');
      await page.getByTestId('query-submit').click();
      await waitForText(page.getByTestId('result-total'), `${BULK / 2} events`);
      assert.ok((await docWidth()) <= 375);

      // a wide table scrolls inside its card, not the page
      await openNav();
      await page.getByTestId('nav-keys').click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      const table = page.getByTestId('keys-table');
      await waitForText(table, 'console-test-key');
      assert.ok((await docWidth()) <= 375);
      const scrolled = await table.evaluate((t) => {
        // the nearest ancestor that actually scrolls sideways (the page itself does not count)
        for (let el = t.parentElement; el && el !== t.ownerDocument.body; el = el.parentElement) {
          el.scrollLeft = 200;
          if (el.scrollLeft > 0) return el.scrollLeft;
        }
        return 0;
      });
      assert.ok(scrolled > 0, 'the keys table scrolls horizontally inside its container');

      // the language switch is reachable from the drawer
      await openNav();
      await inViewport('language-switch');
      await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
      await waitForText(page.getByRole('dialog').getByTestId('nav-keys'), 'API 密钥');
      await page.getByTestId('language-switch').getByText('EN', { exact: true }).click();
      await waitForText(page.getByRole('dialog').getByTestId('nav-keys'), 'API keys');

      // and so is log out
      await inViewport('logout');
      await page.getByTestId('logout').click();
      await page.waitForURL(/\/login/);
      await page.getByTestId('login-form').waitFor();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.ok((await docWidth()) <= 375, 'the login page fits too');
      await inViewport('login-submit');
      await login(page, k.url, k.adminUser, k.adminPassword);
      assert.equal(await page.getByTestId('nav-burger').count(), 1);
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    // wide again: the full header comes back
    await page.getByTestId('nav-search').waitFor();
    assert.equal(await page.getByTestId('nav-burger').count(), 0);
  });

  it('changes the password from the account menu; afterwards only the new one signs in', async () => {
    const NEW = 'console-test-new-password';
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('user-menu').click();
    await page.getByTestId('change-password').click();
    await page.getByTestId('password-form').waitFor();
    const err = page.getByTestId('password-error');

    // checked in the form first
    await page.getByTestId('password-current').fill(k.adminPassword);
    await page.getByTestId('password-next').fill('short');
    await page.getByTestId('password-confirm').fill('short');
    await page.getByTestId('password-submit').click();
    await waitForText(err, 'at least 12 characters');
    await page.getByTestId('password-next').fill(NEW);
    await page.getByTestId('password-confirm').fill(`${NEW}-typo`);
    await page.getByTestId('password-submit').click();
    await waitForText(err, 'do not match');

    // a wrong current password is refused by the server, and the session stays
    await page.getByTestId('password-current').fill('not-the-current-password');
    await page.getByTestId('password-confirm').fill(NEW);
    await page.getByTestId('password-submit').click();
    await waitForText(err, 'current password is wrong');
    assert.doesNotMatch(page.url(), /\/login/);

    await page.getByTestId('password-current').fill(k.adminPassword);
    await page.getByTestId('password-submit').click();
    await waitForText(page.getByTestId('password-success'), 'Password changed');
    await page.getByTestId('password-done').click();
    await page.getByTestId('password-form').waitFor({ state: 'detached' });

    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.getByLabel('Username', { exact: true }).fill(k.adminUser);
    await page.getByLabel('Password', { exact: true }).fill(k.adminPassword);
    await page.getByTestId('login-submit').click();
    await waitForText(page.getByTestId('login-error'), 'Invalid username or password');
    await login(page, k.url, k.adminUser, NEW);

    // the form is translated too
    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await page.getByTestId('user-menu').click();
    await waitForText(page.getByTestId('change-password'), '修改密码');
    await page.getByTestId('change-password').click();
    await waitForText(page.getByRole('dialog'), '当前密码');
    await page.getByTestId('password-submit').click();
    await waitForText(err, '请填写全部三项');
    await page.keyboard.press('Escape');
    await page.getByTestId('password-form').waitFor({ state: 'detached' });
    await page.getByTestId('language-switch').getByText('EN', { exact: true }).click();
    await waitForText(page.getByTestId('nav-search'), 'Search');
  });

  it('logs out, and an expired session sends the user back to login', async () => {
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.goto(`${k.url}/keys`);
    await page.waitForURL(/\/login\?next=%2Fkeys/);
    await page.getByTestId('login-form').waitFor();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
