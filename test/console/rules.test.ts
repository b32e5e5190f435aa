/**
 * Rules page in a real browser (Debian's chromium through playwright-core) against a real
 * `kyoka start`, as an operator uses it: honeypot events from three sources are ingested and
 * processed first; the built-in rules are listed with hit counts, mode and enabled state; the
 * editor refuses invalid rules with errors naming the line; a valid rule is tested against the
 * last 24 h (exactly the matching stored events are shown), saved, switched to another mode
 * (persisted across a reload) and deleted; a built-in rule switched to alert-only persists and
 * comes back when the override is deleted. Attacker text in matched events renders as text and
 * nothing runs (page errors and dialogs collected).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { type Browser, login, openBrowser, waitForText } from '../helpers/browser.ts';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

const PASSWORD = 'rules-console-password';
const HONEYPOT = 'kyoka-honeypot-interaction';
const A = '198.51.100.7';
const B = '198.51.100.8';
const C = '2001:db8::5';
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const RULE_ID = 'ui-test-one-attacker';

const EVENTS = [
  { source: { ip: A }, user: { name: XSS }, action: 'ssh.login_attempt' },
  { source: { ip: A }, user: { name: 'root' }, action: 'ftp.login_attempt' },
  { source: { ip: B }, user: { name: 'admin' }, action: 'ssh.login_attempt' },
  { source: { ip: C }, user: { name: 'oracle' }, action: 'telnet.login_attempt' },
].map((e) => ({
  event: { action: e.action, dataset: 'opencanary', outcome: 'failure', kind: 'event' },
  observer: { type: 'honeypot', name: 'rules-test-canary' },
  source: e.source,
  user: e.user,
}));

const VALID = `title: One attacker on the honeypot
id: ${RULE_ID}
level: medium
detection:
  selection:
    source.ip|cidr: ${A}/32
    event.dataset: opencanary
  condition: selection
`;

/** Each invalid text with the line the error must name and a word of its message. */
const INVALID: Array<{ yaml: string; line: number; word: RegExp }> = [
  {
    yaml: VALID.replace('source.ip|cidr:', 'source.ip|bogus:'),
    line: 6,
    word: /modifier/,
  },
  {
    yaml: VALID.replace('condition: selection', 'condition: selection and ('),
    line: 8,
    word: /condition/,
  },
  {
    yaml: `title: broken\nid: broken\ndetection: [\n  selection:\n`,
    line: 4,
    word: /./,
  },
];

type ApiRule = { id: string; hits: number; mode: string; source: string; enabled: boolean };

async function apiRules(k: Kyoka): Promise<ApiRule[]> {
  const res = await fetch(`${k.url}/api/v1/rules`, { headers: { authorization: `Bearer ${k.readKey}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as ApiRule[];
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Picks a mode in a row's select (a Mantine combobox: the options open in a portal). */
async function pickMode(page: Page, row: Locator, label: string): Promise<void> {
  await row.getByTestId('rule-mode').click();
  await page.getByRole('option', { name: label, exact: true }).click();
}

describe('console: rules', () => {
  let k: Kyoka;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    k = await startKyoka({ env: { KYOKA_ADMIN_PASSWORD: PASSWORD } });
    const ing = await fetch(`${k.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(EVENTS),
    });
    assert.equal(ing.status, 200, await ing.text());
    // processed: stored and counted by the rule engine
    const found = await searchUntil(k, k.readKey, { q: 'event.dataset:opencanary' }, (r) => r.total === 4);
    assert.equal(found.total, 4);
    await until('honeypot rule hits', async () =>
      (await apiRules(k)).find((r) => r.id === HONEYPOT)?.hits === 4 ? true : undefined,
    );

    browser = await openBrowser({ width: 1600, height: 1000 });
    page = browser.page;
    pageErrors = browser.pageErrors;
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await login(page, k.url, 'admin', PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await k?.stop();
  });

  it('lists the built-in rules with hit counts, mode and enabled state', async () => {
    await page.getByTestId('nav-rules').click();
    const row = page.locator(`tr[data-rule-id="${HONEYPOT}"]`);
    await waitForText(row, 'Honeypot interaction');
    assert.equal(await row.getByTestId('rule-hits').getAttribute('data-hits'), '4');
    assert.equal((await row.getByTestId('rule-hits').textContent())?.trim(), '4');
    assert.equal(await row.getByTestId('rule-mode').inputValue(), 'default');
    assert.equal(await row.getByTestId('rule-enabled').isChecked(), true);
    assert.equal((await row.getByTestId('rule-source').textContent())?.trim(), 'file');
    // the rest of the built-in pack is listed: the SSH brute-force rule counted the two SSH
    // attempts (below its threshold), a rule these events do not touch shows zero
    const hits = (id: string) => page.locator(`tr[data-rule-id="${id}"]`).getByTestId('rule-hits');
    assert.equal(await hits('kyoka-bf-ssh').getAttribute('data-hits'), '2');
    assert.equal(await hits('kyoka-redis-abuse').getAttribute('data-hits'), '0');
    assert.ok((await page.getByTestId('rule-row').count()) >= 20);
  });

  it('refuses invalid rules with errors naming the line', async () => {
    await page.getByTestId('create-rule').click();
    const editor = page.getByTestId('rule-yaml');
    for (const bad of INVALID) {
      await editor.fill(bad.yaml);
      const text = await waitForText(page.getByTestId('rule-errors'), `line ${bad.line}:`);
      assert.match(text, bad.word);
      assert.equal(await page.getByTestId('rule-save').isDisabled(), true);
      assert.equal(await page.getByTestId('rule-test').isDisabled(), true);
    }
    assert.equal((await apiRules(k)).filter((r) => r.source === 'db').length, 0, 'nothing was stored');
  });

  it('tests a valid rule against the last 24 h, shows exactly its matches as text, and saves it', async () => {
    await page.getByTestId('rule-yaml').fill(VALID);
    await waitForText(page.getByTestId('rule-valid'), 'Valid');
    await page.getByTestId('rule-test').click();
    const result = page.getByTestId('rule-test-result');
    await waitForText(result, '2 events would have matched');
    assert.equal(await page.getByTestId('rule-test-total').getAttribute('data-total'), '2');
    const matches = page.getByTestId('rule-test-match');
    assert.equal(await matches.count(), 2);
    const text = (await page.getByTestId('rule-test-matches').textContent()) ?? '';
    assert.ok(text.includes(A));
    assert.ok(!text.includes(B) && !text.includes(C), 'only the /32 source matched');
    assert.ok(text.includes('root'));
    // attacker text is shown as text, not markup, and nothing ran
    assert.ok(text.includes(XSS), 'payload shown verbatim');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);

    await page.getByTestId('rule-save').click();
    const row = page.locator(`tr[data-rule-id="${RULE_ID}"]`);
    await waitForText(row, 'One attacker on the honeypot');
    await until('the editor closed', async () =>
      (await page.getByTestId('rule-yaml').count()) === 0 ? true : undefined,
    );
    assert.equal((await row.getByTestId('rule-source').textContent())?.trim(), 'stored');
    assert.equal(await row.getByTestId('rule-mode').inputValue(), 'default');
  });

  it('switches modes from the UI, persisted across a reload; deleting stored rules', async () => {
    const mine = () => page.locator(`tr[data-rule-id="${RULE_ID}"]`);
    const honeypot = () => page.locator(`tr[data-rule-id="${HONEYPOT}"]`);
    await pickMode(page, mine(), 'deceive');
    await until('mode stored', async () =>
      (await apiRules(k)).find((r) => r.id === RULE_ID)?.mode === 'deceive' ? true : undefined,
    );
    await pickMode(page, honeypot(), 'alert only');
    await mine().getByTestId('rule-enabled').click({ force: true });
    await until('modes stored', async () => {
      const rules = await apiRules(k);
      const m = rules.find((r) => r.id === RULE_ID);
      const h = rules.find((r) => r.id === HONEYPOT);
      return m?.mode === 'deceive' && !m.enabled && h?.mode === 'alert-only' && h.source === 'db' ? true : undefined;
    });

    await page.reload();
    await waitForText(honeypot(), 'Honeypot interaction');
    assert.equal(await mine().getByTestId('rule-mode').inputValue(), 'deceive');
    assert.equal(await mine().getByTestId('rule-enabled').isChecked(), false);
    assert.equal(await honeypot().getByTestId('rule-mode').inputValue(), 'alert only');
    assert.equal((await honeypot().getByTestId('rule-source').textContent())?.trim(), 'stored');

    // delete the stored rule: it leaves the list (and stays gone after a reload)
    await mine().getByTestId('rule-delete').click();
    await page.getByTestId('rule-delete-confirm').click();
    await until('rule row removed', async () => ((await mine().count()) === 0 ? true : undefined));
    // deleting the built-in's override brings the built-in back in its default mode
    await honeypot().getByTestId('rule-delete').click();
    await page.getByTestId('rule-delete-confirm').click();
    await waitForText(honeypot().getByTestId('rule-source'), 'file');
    await page.reload();
    await waitForText(honeypot(), 'Honeypot interaction');
    assert.equal(await mine().count(), 0);
    assert.equal(await honeypot().getByTestId('rule-mode').inputValue(), 'default');
    assert.equal(await honeypot().getByTestId('rule-delete').count(), 0, 'built-in rules cannot be deleted');
    const rules = await apiRules(k);
    assert.equal(
      rules.find((r) => r.id === RULE_ID),
      undefined,
    );
    assert.equal(rules.find((r) => r.id === HONEYPOT)?.mode, 'default');

    // the page in Chinese
    await page.getByTestId('language-switch').getByText('中文', { exact: true }).click();
    await waitForText(page.getByRole('heading', { level: 2 }), '规则');
    assert.equal(await honeypot().getByTestId('rule-mode').inputValue(), '默认');
    assert.equal((await honeypot().getByTestId('rule-source').textContent())?.trim(), '文件');
    // severities are translated: no raw HIGH / CRITICAL / MEDIUM badges on the Chinese page
    const severities = await page.getByTestId('severity-badge').allTextContents();
    assert.ok(severities.length > 0);
    for (const sev of severities) assert.match(sev.trim(), /^(低|中|高|严重)$/, `translated severity: ${sev}`);
    assert.equal((await honeypot().getByTestId('severity-badge').textContent())?.trim(), '高');

    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(pageErrors, []);
  });
});
