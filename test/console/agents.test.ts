/**
 * Agent and WAF pages in a real browser (Debian's chromium through playwright-core) against a
 * real `kyoka start`: an enrolled agent is listed with its protected ports and modes, the
 * enrollment dialog shows the one-line `kyoka agent|waf` command, and the WAF page shows a
 * site a WAF node reported and a hit it posted as an event, attacker text rendered as text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Browser, login, openBrowser, waitForText } from '../helpers/browser.ts';
import { adminSession, type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const XSS = '/search?q=<img src=x onerror="window.__xss=1">';
const PASSWORD = 'agents-test-password';

describe('console: agents and WAF', () => {
  let k: Kyoka;
  let browser: Browser;
  let page: Page;
  let agentId: string;
  let admin: Record<string, string>;

  async function enroll(kind: 'agent' | 'waf', name: string, status: Record<string, unknown>) {
    const tok = await fetch(`${k.url}/api/v1/agents/tokens`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ kind, name }),
    });
    assert.equal(tok.status, 201);
    const { token } = (await tok.json()) as { token: string };
    const en = await fetch(`${k.url}/api/v1/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, hostname: `${name}.internal`, version: '0.2.0', kind }),
    });
    assert.equal(en.status, 200);
    const e = (await en.json()) as { agent_id: string; api_key: string };
    const hb = await fetch(`${k.url}/api/v1/agents/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: { version: '0.2.0', hostname: `${name}.internal`, kind, ...status } }),
    });
    assert.equal(hb.status, 200, await hb.text());
    return e;
  }

  before(async () => {
    k = await startKyoka({ ingestKey: 'unused', env: { KYOKA_ADMIN_PASSWORD: PASSWORD } });
    const { cookie, csrf } = await adminSession(k);
    admin = { cookie, 'x-kyoka-csrf': csrf };

    agentId = (
      await enroll('agent', 'db-host', {
        backend: 'nftables',
        protect: [
          { port: 21, protocol: 'tcp', mode: 'deception', sandbox: '10.8.0.2:21' },
          { port: 3306, protocol: 'tcp', mode: 'firewall' },
        ],
        decisions: { ban: 4, deceive: 2, reflect: 0 },
        rules: 9,
        collectors: [{ name: 'vsftpd', type: 'file', target: '/var/log/vsftpd.log', lines: 120, events: 8, errors: 0 }],
      })
    ).agent_id;
    const waf = await enroll('waf', 'edge-waf', {
      sites: [
        {
          name: 'shop.example',
          listen: '0.0.0.0:8443',
          backend: 'http://10.0.0.5:8080',
          sandbox: 'http://10.8.0.5:8080',
          action: 'deceive',
          requests: 1234,
          attacks: 17,
          sandboxed: 11,
          banned: 1,
        },
      ],
    });
    // a hit as the WAF ships it: its own key may write events
    const ev = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${waf.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        // the shape packages/waf/src/event.ts writes
        event: { kind: 'alert', category: ['web'], action: 'waf-attack-sandbox', dataset: 'kyoka.waf', module: 'waf' },
        source: { ip: '198.51.100.23' },
        url: { original: XSS, path: '/search' },
        observer: { name: 'shop.example', type: 'waf' },
        rule: { id: ['xss-tag', 'xss-event-handler'], category: ['xss'] },
        kyoka: { waf: { site: 'shop.example', action: 'sandbox', sandboxed: true } },
      }),
    });
    assert.equal(ev.status, 200, await ev.text());
    await searchUntil(k, k.readKey, { q: 'event.dataset:"kyoka.waf"' }, (r) => r.total === 1);

    browser = await openBrowser();
    page = browser.page;
    await login(page, k.url, 'admin', PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('lists the enrolled agent with its ports and modes, and shows the enrollment command', async () => {
    await page.getByTestId('nav-agents').click();
    const row = page.locator(`tr[data-agent-id="${agentId}"]`);
    await waitForText(row.locator('td[data-col="name"]'), 'db-host');
    assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'online');
    const ports = (await row.locator('td[data-col="ports"]').textContent()) ?? '';
    assert.match(ports, /21\/tcp · deception/);
    assert.match(ports, /3306\/tcp · firewall/);
    assert.equal(await row.locator('[data-port="21"]').getAttribute('data-mode'), 'deception');
    assert.equal(await row.locator('td[data-col="backend"]').textContent(), 'nftables');
    assert.equal(await row.locator('td[data-col="rules"]').textContent(), '9');
    assert.match((await row.textContent()) ?? '', /db-host\.internal.*ban 4.*deceive 2.*vsftpd.*120 lines/);

    await page.getByTestId('enroll-agent').click();
    await page.getByTestId('agent-token-kind').getByText('WAF', { exact: true }).click();
    await page.getByTestId('agent-token-submit').click();
    const cmd = await waitForText(page.getByTestId('agent-enroll-command'), 'kyoka waf');
    assert.match(
      cmd,
      new RegExp(`^kyoka waf --config /etc/kyoka/waf.yaml --server ${k.url} --token kyt_[A-Za-z0-9_-]{43}$`),
    );
    await page.getByTestId('agent-token-done').click();
  });

  it('shows WAF sites and hits, attacker text as text, in both languages', async () => {
    await page.getByTestId('nav-waf').click();
    const site = page.locator('tr[data-site="shop.example"]');
    await waitForText(site, 'edge-waf');
    assert.equal((await site.locator('td[data-col="requests"]').textContent())?.replace(/\D/g, ''), '1234');
    assert.equal(await site.locator('td[data-col="attacks"]').textContent(), '17');
    assert.equal(await site.locator('td[data-col="sandboxed"]').textContent(), '11');
    assert.equal(await site.locator('td[data-col="banned"]').textContent(), '1');

    const hits = page.getByTestId('waf-hits');
    await waitForText(hits, '198.51.100.23');
    assert.equal(await hits.locator('td[data-col="url"]').first().textContent(), XSS, 'the URL is shown as text');
    assert.equal(await hits.locator('td[data-col="rule"]').first().textContent(), 'xss-tag, xss-event-handler');
    assert.equal(await hits.locator('td[data-col="action"]').first().textContent(), 'sandbox');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);

    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await waitForText(page.getByRole('heading', { level: 2 }), 'WAF');
    await waitForText(page.getByTestId('waf-sites'), '攻击数');
    await page.getByTestId('nav-agents').click();
    await waitForText(page.getByRole('heading', { level: 2 }), '代理');
    await waitForText(page.locator(`tr[data-agent-id="${agentId}"] td[data-col="ports"]`), '镜花水月');
    assert.deepEqual(browser.pageErrors, []);
  });
});
