/**
 * `kyoka waf` as a node of a real server: enrolled with a one-time token, it reports its own
 * deceive decision to the server (origin waf:<name>) where every agent's push stream gets it;
 * a ban made on the server reaches the WAF within a second (403); attack events arrive in the
 * server's store; the heartbeat shows the site with its counters; SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { client, until } from '../decisions/client.ts';
import { KYOKA_BIN, type Kyoka, ROOT, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { type Backend, startBackend } from './helpers.ts';

let k: Kyoka;
let c: Awaited<ReturnType<typeof client>>;
let real: Backend;
let sandbox: Backend;
let waf: ChildProcess | null = null;
let out = '';
const dir = mkdtempSync(join(tmpdir(), 'kyoka-waf-node-'));

before(async () => {
  // heartbeats every second, so the test sees the site's counters without waiting 30 s
  k = await startKyoka({ env: { KYOKA_SENSORS_HEARTBEAT_SEC: '1' } });
  c = await client(k);
  real = await startBackend('REAL');
  sandbox = await startBackend('SANDBOX');
});
after(async () => {
  if (waf && waf.exitCode === null) waf.kill('SIGKILL');
  await real?.close();
  await sandbox?.close();
  await k?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, localAddress = '127.0.0.1'): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('enrolls, shares its deceive decision, honours a server ban, ships events and heartbeats', async () => {
  const admin = await c.adminHeaders();
  const tok = await fetch(`${k.url}/api/v1/agents/tokens`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'waf', name: 'shop' }),
  });
  assert.equal(tok.status, 201);
  const { token } = (await tok.json()) as { token: string };
  const cfg = join(dir, 'waf.yaml');
  writeFileSync(
    cfg,
    [
      `state_dir: ${join(dir, 'state')}`,
      'sites:',
      '  - name: shop',
      '    listen: { host: 127.0.0.1, port: 0 }',
      `    backend: ${real.url}`,
      `    sandbox: ${sandbox.url}`,
      '    action: deceive',
      'sandbox_log:',
      `  dir: ${join(dir, 'sandbox-log')}`,
    ].join('\n'),
  );
  waf = spawn(process.execPath, [KYOKA_BIN, 'waf', '--config', cfg, '--server', k.url, '--token', token], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  waf.stdout?.on('data', (d) => (out += d));
  waf.stderr?.on('data', (d) => (out += d));
  const port = Number(
    (await until(async () => /site shop on http:\/\/127\.0\.0\.1:(\d+)/.exec(out), `waf banner: ${out}`, 30_000))[1],
  );
  const site = `http://127.0.0.1:${port}`;

  assert.match((await get(`${site}/`)).body, /^REAL/);
  // an attack from 127.0.0.1: this request and the next go to the sandbox; the decision reaches the server
  assert.match(
    (await get(`${site}/item?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--`)).body,
    /SANDBOX/,
  );
  assert.match((await get(`${site}/`)).body, /^SANDBOX/);
  assert.match((await get(`${site}/`, '127.0.0.2')).body, /^REAL/, 'another client keeps the real site');
  const list = await until(async () => {
    const r = await fetch(`${k.url}/api/v1/decisions?value=127.0.0.1`, { headers: admin });
    const j = (await r.json()) as { decisions: { type: string; origin: string }[] };
    return j.decisions.find((d) => d.type === 'deceive') ?? null;
  }, 'reported decision');
  assert.equal(list.origin, 'waf:shop');

  // a ban decided on the server reaches the WAF over the push stream
  await c.add('127.0.0.3', '1h', 'ban');
  await until(async () => (await get(`${site}/`, '127.0.0.3')).status === 403, 'server ban enforced', 5000);

  // the attack event is stored on the server, and the heartbeat shows the site
  const found = await searchUntil(k, k.readKey, { q: 'event.dataset:"kyoka.waf"' }, (r) => r.total >= 1, 15_000);
  assert.ok(found.total >= 1);
  assert.equal(found.events[0]?.source?.ip, '127.0.0.1');
  const node = await until(async () => {
    const r = await fetch(`${k.url}/api/v1/agents`, { headers: admin });
    const j = (await r.json()) as {
      agents: { kind: string; status: string; sites: { name: string; requests: number; sandboxed: number }[] }[];
    };
    const n = j.agents.find((a) => a.kind === 'waf');
    return n?.sites[0] && n.sites[0].requests > 0 ? n : null;
  }, 'heartbeat with the site');
  assert.equal(node.status, 'online');
  assert.equal(node.sites[0]?.name, 'shop');

  waf.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => waf?.once('exit', (c2) => r(c2)));
  assert.equal(code, 0, out);
});
