/**
 * Must-show of issue 5: sqlmap against a site behind `kyoka waf` (action deceive) ends up talking
 * to the sandbox backend, while a normal client on another source address keeps the real one;
 * the sandbox log holds sqlmap's full requests and a deceive decision was reported.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createWaf, type SandboxRecord, validateWafConfig, type Waf } from '@kyoka/waf';
import { type Backend, recorder, request, startBackend, waitFor } from './helpers.ts';

let dir: string;
let real: Backend;
let sandbox: Backend;
let waf: Waf;
const rec = recorder();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kyoka-waf-sqlmap-'));
  real = await startBackend('REAL');
  sandbox = await startBackend('SANDBOX');
  const cfg = validateWafConfig({
    sites: [{ name: 'shop', listen: { port: 0 }, backend: real.url, sandbox: sandbox.url, action: 'deceive' }],
    sandbox_log: { dir: join(dir, 'log') },
  });
  waf = await createWaf(cfg, rec.hooks);
});

after(async () => {
  await waf?.close();
  await real?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runSqlmap(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sqlmap',
      [
        '-u',
        `http://127.0.0.1:${port}/item?id=1`,
        '--batch',
        '--level=1',
        '--flush-session',
        '--output-dir',
        join(dir, 'sqlmap'),
        '--timeout=5',
        '--retries=0',
      ],
      { stdio: 'ignore', env: { ...process.env, HOME: dir } },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}

it('sqlmap is moved to the sandbox; a normal client keeps the real site', { timeout: 55_000 }, async () => {
  const port = waf.addresses()[0]?.port as number;
  const sqlmap = runSqlmap(port);
  // While sqlmap runs, a normal client from another source address keeps getting the real site.
  const normal: string[] = [];
  let running = true;
  sqlmap.finally(() => {
    running = false;
  });
  while (running) {
    normal.push((await request(port, '/item?id=7', { from: '127.0.0.2' })).body);
    await new Promise((r) => setTimeout(r, 50));
  }
  await sqlmap;
  assert.ok(normal.length > 0 && normal.every((b) => b.includes('REAL item 7')), 'normal client always got REAL');

  const isSqlmap = (ua: unknown) => typeof ua === 'string' && ua.startsWith('sqlmap/');
  const toReal = real.seen.filter((s) => isSqlmap(s.headers['user-agent']));
  const toSandbox = sandbox.seen.filter((s) => isSqlmap(s.headers['user-agent']));
  assert.equal(toReal.length, 0, `sqlmap reached the real backend: ${toReal.map((s) => s.url).join(' ')}`);
  assert.ok(toSandbox.length > 20, `sandbox saw ${toSandbox.length} sqlmap requests`);
  assert.ok(
    toSandbox.some((s) => /UNION|AND \d+=\d+|SLEEP/i.test(decodeURIComponent(s.url))),
    `payloads reached the sandbox: ${toSandbox.map((s) => s.url).join(' ')}`,
  );
  assert.equal(real.seen.filter((s) => s.headers['x-forwarded-for'] === '127.0.0.1').length, 0);

  assert.equal(rec.reports.length, 1);
  assert.deepEqual(
    { value: rec.reports[0]?.value, type: rec.reports[0]?.type, scenario: rec.reports[0]?.scenario },
    { value: '127.0.0.1', type: 'deceive', scenario: 'kyoka/waf-scanner' },
  );

  const log = await waitFor(
    () => {
      const lines = readFileSync(join(dir, 'log', 'shop.ndjson'), 'utf8')
        .trim()
        .split('\n');
      return lines.length >= toSandbox.length ? lines.map((l) => JSON.parse(l) as SandboxRecord) : null;
    },
    5000,
    'sandbox log',
  );
  const logged = new Set(log.map((l) => l.request.url));
  for (const s of toSandbox) assert.ok(logged.has(s.url), `not logged: ${s.url}`);
  assert.deepEqual(
    log.filter((l) => l.source.ip !== '127.0.0.1' || !isSqlmap(l.request.headers['user-agent'])),
    [],
  );
  assert.ok(
    log.some((l) => l.response.body.includes('SANDBOX')),
    'responses logged',
  );
  const st = waf.stats()[0];
  assert.equal(st?.sandboxed, toSandbox.length);
  assert.ok((st?.attacks.sqli ?? 0) > 10, `sqli ${st?.attacks.sqli}`);
  assert.equal(st?.attacks.scanner, toSandbox.length);
  assert.ok(rec.events.filter((e) => e.event.dataset === 'kyoka.waf').length >= toSandbox.length, 'events');
});
