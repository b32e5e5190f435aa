/** Console sessions, CSRF, roles, login rate limit, OpenAPI and health endpoints. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';
import { startPost } from '../helpers/raw-http.ts';

async function login(k: Kyoka, password: string): Promise<{ status: number; cookie: string; csrf: string }> {
  const r = await fetch(`${k.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const j = (await r.json()) as { csrfToken?: string };
  return {
    status: r.status,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] as string,
    csrf: j.csrfToken ?? '',
  };
}

describe('API auth', () => {
  let k: Kyoka;
  before(async () => {
    k = await startKyoka();
  });
  after(() => k?.stop());

  it('a session reads; state changes need the CSRF header; logout ends the session', async () => {
    const s = await login(k, k.adminPassword);
    assert.equal(s.status, 200);
    const me = await fetch(`${k.url}/api/v1/auth/me`, { headers: { cookie: s.cookie } });
    assert.deepEqual(((await me.json()) as { user: unknown }).user, { name: 'admin', role: 'admin' });
    const noCsrf = await fetch(`${k.url}/api/v1/keys`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'ingest' }),
    });
    assert.equal(noCsrf.status, 403);
    const withCsrf = await fetch(`${k.url}/api/v1/keys`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-kyoka-csrf': s.csrf },
      body: JSON.stringify({ name: 'x', role: 'ingest' }),
    });
    assert.equal(withCsrf.status, 201);
    const created = (await withCsrf.json()) as { key: Record<string, unknown>; secret: string };
    assert.match(created.secret, /^kyk_/);
    assert.equal(created.key.hash, undefined, 'the hash never leaves the server');
    const out = await fetch(`${k.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-kyoka-csrf': s.csrf },
    });
    assert.equal(out.status, 204);
    const after = await fetch(`${k.url}/api/v1/auth/me`, { headers: { cookie: s.cookie } });
    assert.equal(after.status, 401);
  });

  it('roles: an analyst key searches but cannot manage keys or ingest; an ingest key cannot search', async () => {
    const h = (key: string) => ({ authorization: `Bearer ${key}` });
    assert.equal((await fetch(`${k.url}/api/v1/search`, { headers: h(k.readKey) })).status, 200);
    assert.equal((await fetch(`${k.url}/api/v1/keys`, { headers: h(k.readKey) })).status, 403);
    assert.equal(
      (await fetch(`${k.url}/api/v1/events`, { method: 'POST', headers: h(k.readKey), body: '{}' })).status,
      403,
    );
    assert.equal((await fetch(`${k.url}/api/v1/search`, { headers: h(k.ingestKey) })).status, 403);
  });

  it('every authenticated route refuses a caller before reading its body', async () => {
    // 1 MiB announced, a few bytes sent: the 401/403 must not wait for the rest
    for (const [path, headers, want] of [
      ['/api/v1/keys', {}, 401],
      ['/api/v1/rules', {}, 401],
      ['/api/v1/sensors/heartbeat', {}, 401],
      ['/api/v1/agents/heartbeat', { authorization: `Bearer ${k.ingestKey}` }, 403],
      ['/api/v1/auth/password', {}, 401],
      ['/api/v1/keys', { authorization: `Bearer ${k.readKey}` }, 403],
    ] as const) {
      const c = await startPost(k.url, path, 1024 * 1024, { 'content-type': 'application/json', ...headers });
      assert.equal(await c.status(5000), want, `${path}: ${c.received()}`);
      c.sock.destroy();
    }
  });

  it('rate-limits login attempts per client (429) and counts failures', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(k, `wrong-${i}`)).status);
    assert.ok(statuses.includes(401));
    assert.equal(statuses.at(-1), 429);
    const metrics = await (
      await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })
    ).text();
    assert.match(metrics, /kyoka_auth_logins_total\{outcome="failure"\} \d+/);
    // refused attempts are attempts too: a guessing run shows in the counter
    const limited = Number(/kyoka_auth_logins_total\{outcome="rate_limited"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    assert.equal(limited, statuses.filter((s) => s === 429).length);
  });

  it('serves the OpenAPI document, health and metrics', async () => {
    const doc = (await (await fetch(`${k.url}/api/docs/json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.match(doc.openapi, /^3\./);
    for (const p of [
      '/api/v1/events',
      '/api/v1/search',
      '/api/v1/search/top',
      '/api/v1/search/histogram',
      '/api/v1/keys',
    ]) {
      assert.ok(doc.paths[p], `OpenAPI documents ${p}`);
    }
    assert.equal((await fetch(`${k.url}/api/docs`)).status, 200);
    assert.equal(((await (await fetch(`${k.url}/healthz`)).json()) as { status: string }).status, 'ok');
    assert.equal((await fetch(`${k.url}/metrics`)).status, 401, 'metrics need a key');
    const m = await (await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })).text();
    assert.match(m, /kyoka_ingest_queue_depth 0/);
    assert.match(m, /kyoka_store_write_seconds_bucket/);
  });

  it('answers unknown API routes with a JSON 404 and serves the console for other paths', async () => {
    const r = await fetch(`${k.url}/api/v1/nope`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as { error: string }).error, 'KYOKA_E_NOT_FOUND');
    const page = await fetch(`${k.url}/search`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /<div id="root">/);
  });
});
