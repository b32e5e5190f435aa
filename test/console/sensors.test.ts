/**
 * Sensor management pages in a real browser (Debian's chromium through playwright-core)
 * against a real `kyoka start`: an enrolled sensor is listed, an enrollment token dialog
 * shows the `kyoka sensor` command, a template is created in the editor (with a duplicate
 * port refused first) and assigned, and the honeypot page shows attackers, services and
 * captured credentials, attacker text rendered as text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Browser, login, openBrowser, waitForText } from '../helpers/browser.ts';
import { adminSession, type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const XSS = '<img src=x onerror="window.__xss=1">';

describe('console: sensors, templates, honeypot activity', () => {
  let k: Kyoka;
  let browser: Browser;
  let page: Page;
  let sensorId: string;
  let pageErrors: string[] = [];

  before(async () => {
    k = await startKyoka({ ingestKey: 'unused', env: { KYOKA_ADMIN_PASSWORD: 'sensors-test-password' } });
    k.adminPassword = 'sensors-test-password';
    const { cookie, csrf: csrfToken } = await adminSession(k);
    const tok = await fetch(`${k.url}/api/v1/sensors/tokens`, {
      method: 'POST',
      headers: { cookie, 'x-kyoka-csrf': csrfToken, 'content-type': 'application/json' },
      body: '{}',
    });
    const { token } = (await tok.json()) as { token: string };
    const en = await fetch(`${k.url}/api/v1/sensors/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token,
        name: 'dmz-canary',
        hostname: 'dmz-canary.internal',
        version: '0.1.0',
        services: [{ name: 'ssh', port: 2222, transport: 'tcp' }],
      }),
    });
    assert.equal(en.status, 200);
    const enrolled = (await en.json()) as { sensor_id: string; api_key: string };
    sensorId = enrolled.sensor_id;
    // a honeypot login attempt as the sensor ships it (OpenCanary record, normalized)
    const ev = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolled.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        event: { action: 'ssh.login_attempt', dataset: 'opencanary', outcome: 'failure' },
        source: { ip: '203.0.113.9', port: 50000 },
        observer: { name: 'dmz-canary', type: 'honeypot' },
        user: { name: XSS },
        kyoka: { honeypot: { service: 'ssh' }, credentials: { username: XSS, password: 'hunter2' } },
      }),
    });
    assert.equal(ev.status, 200, await ev.text());
    await searchUntil(k, k.readKey, { q: 'event.dataset:opencanary and source.ip:203.0.113.9' }, (r) => r.total === 1);

    browser = await openBrowser();
    page = browser.page;
    pageErrors = browser.pageErrors;
    await login(page, k.url, 'admin', k.adminPassword);
  });

  after(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('lists the enrolled sensor and shows the enrollment command', async () => {
    await page.getByTestId('nav-sensors').click();
    const row = page.locator(`tr[data-sensor-id="${sensorId}"]`);
    await waitForText(row.locator('td[data-col="name"]'), 'dmz-canary');
    assert.match((await row.textContent()) ?? '', /dmz-canary\.internal.*0\.1\.0.*ssh:2222/);
    assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'online');

    await page.getByTestId('enroll-sensor').click();
    await page.getByTestId('enroll-token-submit').click();
    const cmd = await waitForText(page.getByTestId('enroll-command'), 'kyoka sensor');
    assert.match(cmd, new RegExp(`^kyoka sensor --server ${k.url} --enroll-token kyt_[A-Za-z0-9_-]{43}$`));
    await page.getByTestId('enroll-token-done').click();
  });

  it('creates a template in the editor, refusing a duplicate port first, and assigns it', async () => {
    await page.getByTestId('nav-templates').click();
    await page.getByTestId('create-template').click();
    await page.getByTestId('template-name').fill('dmz-basic');
    await page.getByTestId('svc-ssh').check();
    await page.getByTestId('svc-ftp').check();
    await page.getByTestId('port-ftp').fill('22');
    await page.getByTestId('template-save').click();
    await waitForText(page.getByTestId('template-invalid'), 'Fix the highlighted fields');
    await waitForText(page.locator('[data-service-row="ftp"]'), 'Port already used by ssh');
    await page.getByTestId('port-ftp').fill('2121');
    await page.getByTestId('template-extra').fill('{"ftp.banner": "FTP server ready"}');
    await page.getByTestId('template-save').click();
    const table = page.getByTestId('templates-table');
    await waitForText(table, 'dmz-basic');
    assert.match((await table.textContent()) ?? '', /ftp.*ssh/);

    const r = await fetch(`${k.url}/api/v1/sensors/templates`, { headers: { authorization: `Bearer ${k.readKey}` } });
    const { templates } = (await r.json()) as { templates: Array<{ name: string; conf: Record<string, unknown> }> };
    const conf = templates.find((t) => t.name === 'dmz-basic')?.conf ?? {};
    assert.equal(conf['ftp.enabled'], true);
    assert.equal(conf['ftp.port'], 2121);
    assert.equal(conf['ssh.enabled'], true);
    assert.equal(conf['ssh.port'], 22);
    assert.equal(conf['telnet.enabled'], false);
    assert.equal(conf['ftp.banner'], 'FTP server ready');

    await page.getByTestId('nav-sensors').click();
    const row = page.locator(`tr[data-sensor-id="${sensorId}"]`);
    await row.getByRole('checkbox').check();
    await page.getByTestId('assign-template').click();
    await page.getByTestId('assign-template-submit').click();
    await waitForText(page.getByTestId('sensors-notice'), 'Template assigned to 1 sensor');
    await waitForText(row.locator('td[data-col="template"]'), 'dmz-basic');
  });

  it('shows honeypot activity with attacker text as text, in both languages', async () => {
    await page.getByTestId('nav-honeypot').click();
    await waitForText(page.getByTestId('top-attackers'), '203.0.113.9');
    await waitForText(page.getByTestId('top-services'), 'ssh');
    const creds = page.getByTestId('credentials-table');
    await waitForText(creds, 'hunter2');
    assert.ok(((await creds.textContent()) ?? '').includes(XSS), 'the payload is shown as text');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);

    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await waitForText(page.getByRole('heading', { level: 2 }), '蜜罐活动');
    await page.getByTestId('nav-sensors').click();
    await waitForText(page.getByRole('heading', { level: 2 }), '探针');
    assert.deepEqual(pageErrors, []);
  });
});
