/**
 * Agent / WAF node management against a real `kyoka start`: token → enroll → heartbeat → the
 * list shows the node online with what it reported (unknown keys dropped); tokens are one-time
 * and of one kind; an agent key may ship events and read the decision stream but not read
 * events or manage keys; a report becomes a decision on the SSE stream with origin
 * agent:<name> / waf:<name>; a whitelisted value is skipped; deleting the agent revokes its key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminSession, type Kyoka, startKyoka } from '../helpers/kyoka.ts';

const FRIEND = '192.0.2.77';
let k: Kyoka;
let dir: string;
let admin: { cookie: string; csrf: string };

async function call(method: string, path: string, body?: unknown, key: string | null | 'admin' = 'admin') {
  const headers: Record<string, string> = {};
  if (key === 'admin') Object.assign(headers, { cookie: admin.cookie, 'x-kyoka-csrf': admin.csrf });
  else if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${k.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function enroll(kind: 'agent' | 'waf', name: string) {
  const t = await call('POST', '/api/v1/agents/tokens', { name, kind, ttl_seconds: 600 });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  assert.equal(t.body.kind, kind);
  const e = await call(
    'POST',
    '/api/v1/agents/enroll',
    { token: t.body.token, hostname: `${name}.example`, version: '0.1.0', kind },
    null,
  );
  assert.equal(e.status, 200, JSON.stringify(e.body));
  return {
    token: t.body.token as string,
    id: e.body.agent_id as string,
    key: e.body.api_key as string,
    enroll: e.body,
  };
}

const STATUS = {
  version: '0.1.1',
  hostname: 'web-1.example',
  kind: 'agent',
  backend: 'nftables',
  protect: [
    { port: 22, protocol: 'tcp', mode: 'deception', sandbox: '10.9.0.2:22' },
    { port: 21, protocol: 'tcp', mode: 'firewall' },
  ],
  decisions: { ban: 3, deceive: 2, reflect: 0 },
  rules: 7,
  collectors: [{ name: 'vsftpd', type: 'file', target: '/var/log/vsftpd.log', lines: 10, events: 4, errors: 0 }],
  stream: { connected: true, last_seq: 5 },
  injected: '<img src=x onerror=alert(1)>',
};

/** Reads the SSE stream until `pick` returns a value for a `decision.new` payload. */
async function awaitOnStream<T>(
  key: string,
  pick: (d: Record<string, any>) => T | undefined,
  act: () => Promise<void>,
) {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 15_000);
  try {
    const res = await fetch(`${k.url}/api/v1/decisions/stream`, {
      headers: { authorization: `Bearer ${key}` },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let buf = '';
    let synced = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        i = buf.indexOf('\n\n');
        const ev = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (ev === 'synced' && !synced) {
          synced = true;
          await act(); // report only once the stream is live: the decision must arrive as a push
        } else if (synced && ev === 'decision.new' && data) {
          const got = pick(JSON.parse(data));
          if (got !== undefined) return got;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

describe('agent and WAF node management API', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyoka-agents-'));
    const configFile = join(dir, 'kyoka.yaml');
    writeFileSync(configFile, `detect:\n  whitelist:\n    ips: ["${FRIEND}/32"]\n`);
    k = await startKyoka({ configFile, env: { KYOKA_SENSORS_HEARTBEAT_SEC: '2' } });
    admin = await adminSession(k);
  });
  after(async () => {
    await k?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('token → enroll → heartbeat → listed online with the reported status; tokens are one-time', async () => {
    const a = await enroll('agent', 'web-1');
    assert.equal(a.enroll.heartbeat_seconds, 2);
    assert.match(a.key, /^kyk_/);

    const again = await call(
      'POST',
      '/api/v1/agents/enroll',
      { token: a.token, hostname: 'x', version: '0', kind: 'agent' },
      null,
    );
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'KYOKA_E_UNAUTHENTICATED');
    const unknown = await call(
      'POST',
      '/api/v1/agents/enroll',
      { token: `kyt_${'A'.repeat(43)}`, hostname: 'x', version: '0', kind: 'agent' },
      null,
    );
    assert.equal(unknown.status, 401);
    // a token is for one kind: a WAF token does not enroll an agent (and is not consumed by trying)
    const wt = await call('POST', '/api/v1/agents/tokens', { kind: 'waf' });
    const wrongKind = await call(
      'POST',
      '/api/v1/agents/enroll',
      { token: wt.body.token, hostname: 'x', version: '0', kind: 'agent' },
      null,
    );
    assert.equal(wrongKind.status, 401);

    const hb = await call('POST', '/api/v1/agents/heartbeat', { status: STATUS }, a.key);
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.equal(hb.body.ok, true);
    assert.equal(hb.body.heartbeat_seconds, 2);
    assert.ok(Math.abs(Date.parse(hb.body.server_time) - Date.now()) < 60_000);
    const bad = await call('POST', '/api/v1/agents/heartbeat', { status: { ...STATUS, backend: 'pf' } }, a.key);
    assert.equal(bad.status, 400);
    // another role's key may not heartbeat as an agent
    assert.equal((await call('POST', '/api/v1/agents/heartbeat', { status: STATUS }, k.ingestKey)).status, 403);

    const list = await call('GET', '/api/v1/agents', undefined, k.readKey);
    assert.equal(list.status, 200);
    const row = list.body.agents.find((x: { id: string }) => x.id === a.id);
    assert.ok(row, 'enrolled agent listed');
    assert.equal(row.status, 'online');
    assert.equal(row.kind, 'agent');
    assert.equal(row.name, 'web-1');
    assert.equal(row.hostname, 'web-1.example');
    assert.equal(row.version, '0.1.1');
    assert.equal(row.backend, 'nftables');
    assert.deepEqual(row.protect, STATUS.protect);
    assert.deepEqual(row.decisions, STATUS.decisions);
    assert.equal(row.rules, 7);
    assert.deepEqual(row.collectors, STATUS.collectors);
    assert.deepEqual(row.stream, { connected: true, last_seq: 5 });
    assert.equal(JSON.stringify(row).includes('onerror'), false, 'unknown keys are dropped');
    const one = await call('GET', `/api/v1/agents/${a.id}`, undefined, k.readKey);
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'web-1');
    assert.equal((await call('GET', '/api/v1/agents/nope', undefined, k.readKey)).status, 404);
    // only admins create tokens
    assert.equal((await call('POST', '/api/v1/agents/tokens', { kind: 'agent' }, k.readKey)).status, 403);
  });

  it('an agent key ships events and reads the stream, but cannot read events or manage keys', async () => {
    const a = await enroll('agent', 'limited');
    const ev = await call('POST', '/api/v1/events', { message: 'hello from the agent' }, a.key);
    assert.ok(ev.status >= 200 && ev.status < 300, `events:write allowed (${ev.status})`);
    assert.equal((await call('GET', '/api/v1/search?q=*', undefined, a.key)).status, 403);
    assert.equal((await call('GET', '/api/v1/agents', undefined, a.key)).status, 403);
    assert.equal((await call('GET', '/api/v1/keys', undefined, a.key)).status, 403);
    assert.equal((await call('POST', '/api/v1/keys', { name: 'x', role: 'admin' }, a.key)).status, 403);
    assert.equal((await call('POST', '/api/v1/agents/tokens', { kind: 'agent' }, a.key)).status, 403);
    assert.equal(
      (await call('POST', '/api/v1/decisions', { value: '198.51.100.1', type: 'ban', duration: '1h' }, a.key)).status,
      403,
      'an agent reports; it cannot add decisions directly',
    );
    const decisions = await call('GET', '/api/v1/decisions', undefined, a.key);
    assert.equal(decisions.status, 200, 'decisions:read');
  });

  it('a report reaches the push stream with origin agent:<name> / waf:<name>; whitelisted values are skipped', async () => {
    const a = await enroll('agent', 'edge-7');
    const w = await enroll('waf', 'shop');
    const got = await awaitOnStream(
      a.key,
      (d) => (d.value === '203.0.113.45' ? d : undefined),
      async () => {
        const r = await call(
          'POST',
          '/api/v1/decisions/report',
          { value: '203.0.113.45', type: 'deceive', duration: '10m', reason: 'ftp brute force', scenario: 'x/y' },
          a.key,
        );
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.origin, 'agent:edge-7');
      },
    );
    assert.equal(got.type, 'deceive');
    assert.equal(got.origin, 'agent:edge-7');
    assert.equal(got.reason, 'ftp brute force');
    assert.ok(got.remaining_ms > 0 && got.remaining_ms <= 600_000);

    const byWaf = await call('POST', '/api/v1/decisions/report', { value: '2001:db8::66', type: 'ban' }, w.key);
    assert.equal(byWaf.status, 201, JSON.stringify(byWaf.body));
    assert.equal(byWaf.body.origin, 'waf:shop');
    assert.equal(byWaf.body.scope, 'Ip');

    const skipped = await call('POST', '/api/v1/decisions/report', { value: FRIEND, type: 'ban' }, a.key);
    assert.equal(skipped.status, 200);
    assert.deepEqual(skipped.body, { skipped: 'whitelisted' });
    const live = await call('GET', `/api/v1/decisions?ip=${FRIEND}`, undefined, k.readKey);
    assert.deepEqual(live.body.decisions, []);
    // malformed values are refused, never stored
    const bad = await call('POST', '/api/v1/decisions/report', { value: '1.2.3.4; rm -rf /', type: 'ban' }, a.key);
    assert.equal(bad.status, 400);
    // analysts may not report
    assert.equal(
      (await call('POST', '/api/v1/decisions/report', { value: '203.0.113.9', type: 'ban' }, k.readKey)).status,
      403,
    );
  });

  it('deleting an agent revokes its key at once', async () => {
    const a = await enroll('agent', 'doomed');
    const status = { ...STATUS, hostname: 'doomed.example' };
    assert.equal((await call('POST', '/api/v1/agents/heartbeat', { status }, a.key)).status, 200);
    assert.equal((await call('DELETE', `/api/v1/agents/${a.id}`, undefined, k.readKey)).status, 403);
    assert.equal((await call('DELETE', `/api/v1/agents/${a.id}`)).status, 204);
    const refused = await call('POST', '/api/v1/agents/heartbeat', { status }, a.key);
    assert.equal(refused.status, 401);
    assert.match(refused.body.message, /unknown or revoked API key/);
    const list = await call('GET', '/api/v1/agents', undefined, k.readKey);
    assert.equal(
      list.body.agents.some((x: { id: string }) => x.id === a.id),
      false,
    );
    assert.equal((await call('DELETE', `/api/v1/agents/${a.id}`)).status, 404);
  });
});
