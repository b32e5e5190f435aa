/** The events API with real senders (curl), NDJSON, gzip, arrays, partial batches and auth. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';
import { startPost } from '../helpers/raw-http.ts';

function curl(args: string[], input?: Buffer | string): { status: number; body: string } {
  const out = execFileSync('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], {
    input,
    maxBuffer: 64 << 20,
  }).toString();
  const i = out.lastIndexOf('\n');
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i) };
}

/** One sample of a Prometheus counter (0 when absent). */
function sample(metrics: string, name: string, labels: string): number {
  const key = labels ? `${name}{${labels}} ` : `${name} `;
  const line = metrics.split('\n').find((l) => l.startsWith(key));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('HTTP ingest', () => {
  let k: Kyoka;
  const metrics = async () =>
    (await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })).text();
  /** POSTs a body to the events API with curl; `key` null sends no Authorization header. */
  const post = (body: Buffer | string, headers: string[] = [], key: string | null = k.ingestKey) =>
    curl(
      [
        '-X',
        'POST',
        `${k.url}/api/v1/events`,
        ...(key === null ? [] : ['-H', `Authorization: Bearer ${key}`]),
        ...headers.flatMap((h) => ['-H', h]),
        '--data-binary',
        '@-',
      ],
      body,
    );
  before(async () => {
    k = await startKyoka();
  });
  after(() => k?.stop());

  it('stores an NDJSON batch sent by curl and finds it with normalized fields', async () => {
    const lines = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({
        '@timestamp': new Date(Date.now() - i * 1000).toISOString(),
        event: { action: 'ssh.login_attempt', category: 'authentication', outcome: 'failure' },
        source: { ip: `::ffff:198.51.100.${i + 1}`, port: 40000 + i },
        user: { name: i % 2 ? 'root' : 'admin' },
        message: `curl-ndjson ${i}`,
      }),
    ).join('\n');
    const r = post(lines, ['Content-Type: application/x-ndjson']);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).accepted, 50);
    const res = await searchUntil(
      k,
      k.readKey,
      { q: 'event.action:ssh.login_attempt and not user.name:root and source.ip:198.51.100.0/24', limit: '100' },
      (x) => x.total >= 25,
    );
    assert.equal(res.total, 25);
    const ev = res.events[0] as Record<string, any>;
    assert.match(ev.source.ip, /^198\.51\.100\.\d+$/, 'IPv4-mapped address folded to IPv4');
    assert.equal(ev.user.name, 'admin');
    assert.deepEqual(ev.event.category, ['authentication']);
    assert.equal(ev.kyoka.source, 'api');
    assert.match(ev.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('accepts gzip NDJSON and a gzip JSON array', async () => {
    const mk = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ event: { action: 'test.gzip' }, message: `${tag} ${i}` }));
    const nd = gzipSync(
      mk('gz-nd', 300)
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    let r = post(nd, ['Content-Encoding: gzip', 'Content-Type: application/x-ndjson']);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).accepted, 300);
    r = post(gzipSync(JSON.stringify(mk('gz-arr', 200))), ['Content-Encoding: gzip', 'Content-Type: application/json']);
    assert.equal(r.status, 200, r.body);
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.gzip', limit: '1' }, (x) => x.total >= 500);
    assert.equal(res.total, 500);
  });

  it('is idempotent on event id', async () => {
    const ids = ['01JD0000000000000000000001', '01JD0000000000000000000002'];
    const body = ids
      .map((id) => JSON.stringify({ id, '@timestamp': new Date().toISOString(), event: { action: 'test.idem' } }))
      .join('\n');
    for (let i = 0; i < 3; i++) {
      const r = post(body);
      assert.equal(r.status, 200, r.body);
    }
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.idem' }, (x) => x.total >= 2);
    assert.equal(res.total, 2);
    assert.deepEqual(res.events.map((e) => e.id).sort(), ids);
  });

  it('stores the good events of a partly bad batch and reports the bad ones by index', async () => {
    const body = [
      JSON.stringify({ event: { action: 'test.partial' }, message: 'ok 0' }),
      '{not json',
      JSON.stringify({ event: { action: 'test.partial' }, source: { ip: 'not-an-ip' } }),
      JSON.stringify({ event: { action: 'test.partial' }, message: 'ok 3' }),
      JSON.stringify({ '@timestamp': 'yesterday-ish', event: { action: 'test.partial' } }),
    ].join('\n');
    const r = post(body);
    assert.equal(r.status, 207, r.body);
    const j = JSON.parse(r.body);
    assert.equal(j.accepted, 2);
    assert.deepEqual(
      j.errors.map((e: { index: number }) => e.index),
      [1, 2, 4],
    );
    assert.match(j.errors[1].message, /source\.ip/);
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.partial' }, (x) => x.total >= 2);
    assert.equal(res.total, 2);
  });

  it('refuses requests without a key, with a wrong key, or with a read-only role: 401/403 and nothing stored', async () => {
    const body = JSON.stringify({ event: { action: 'test.noauth' } });
    assert.equal(post(body, [], null).status, 401);
    assert.equal(post(body, [], 'kyk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB').status, 401);
    assert.equal(post(body, [], 'nonsense').status, 401);
    assert.equal(post(body, [], k.readKey).status, 403);
    assert.equal(curl([`${k.url}/api/v1/search?q=x`]).status, 401);
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.noauth' }, () => true);
    assert.equal(res.total, 0);
  });

  it('answers 413 for oversize bodies and gzip bombs, 400 for garbage, and keeps serving', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x20);
    big.write('{"a":"');
    let r = post(big);
    assert.equal(r.status, 413, r.body);
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20));
    r = post(bomb, ['Content-Encoding: gzip']);
    assert.equal(r.status, 413, r.body);
    r = post(Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]));
    assert.equal(r.status, 400, r.body);
    assert.equal(JSON.parse(r.body).error, 'KYOKA_E_BAD_REQUEST');
    const health = await fetch(`${k.url}/healthz`);
    assert.equal(health.status, 200);
    const metrics = await (
      await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })
    ).text();
    assert.match(metrics, /kyoka_ingest_parse_failures_total\{source="api",reason="too_large"\} [2-9]/);
    assert.match(metrics, /kyoka_ingest_parse_failures_total\{source="api",reason="bad_body"\} [1-9]/);
  });

  it('refuses a missing, wrong or read-only key before reading the body, and counts it', async () => {
    const before = await metrics();
    // 32 MiB announced, a few bytes sent: the answer must not wait for the rest
    for (const [headers, want] of [
      [{}, 401],
      [{ authorization: 'Bearer kyk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB' }, 401],
      [{ authorization: `Bearer ${k.readKey}` }, 403],
    ] as const) {
      const c = await startPost(k.url, '/api/v1/events', 32 * 1024 * 1024, headers);
      assert.equal(await c.status(5000), want, c.received());
      c.sock.destroy();
    }
    const after = await metrics();
    const n = (m: string, reason: string) =>
      sample(m, 'kyoka_ingest_rejected_requests_total', `source="api",reason="${reason}"`);
    assert.equal(n(after, 'auth') - n(before, 'auth'), 2);
    assert.equal(n(after, 'forbidden') - n(before, 'forbidden'), 1);
    // an authorized sender still has its body read
    const ok = await startPost(k.url, '/api/v1/events', 2, { authorization: `Bearer ${k.ingestKey}` }, '');
    assert.equal(await ok.status(500), null, 'waits for the announced body');
    ok.sock.write('{}');
    assert.equal(await ok.status(5000), 200, ok.received());
    ok.sock.destroy();
  });

  it('refuses events over ingest.maxEventBytes by index, stores the rest, and counts them', async () => {
    const before = await metrics();
    const huge = JSON.stringify({ event: { action: 'test.huge' }, message: 'x'.repeat(1536 * 1024) });
    const ok = (i: number) => JSON.stringify({ event: { action: 'test.huge' }, message: `small ${i}` });
    let r = post([ok(0), huge, ok(2), huge].join('\n'));
    assert.equal(r.status, 207, r.body.slice(0, 300));
    const j = JSON.parse(r.body);
    assert.equal(j.accepted, 2);
    assert.deepEqual(
      j.errors.map((e: { index: number; error: string }) => [e.index, e.error]),
      [
        [1, 'KYOKA_E_PAYLOAD_TOO_LARGE'],
        [3, 'KYOKA_E_PAYLOAD_TOO_LARGE'],
      ],
    );
    assert.match(j.errors[0].message, /ingest\.maxEventBytes/);
    // a JSON array holding one, and a body that is only one
    r = post(`[${ok(4)},${huge}]`, ['Content-Type: application/json']);
    assert.equal(r.status, 207, r.body.slice(0, 300));
    r = post(huge, ['Content-Type: application/json']);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.equal(JSON.parse(r.body).errors[0].error, 'KYOKA_E_PAYLOAD_TOO_LARGE');
    const after = await metrics();
    const n = (m: string) => sample(m, 'kyoka_ingest_parse_failures_total', 'source="api",reason="event_too_large"');
    assert.equal(n(after) - n(before), 4);
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.huge' }, (x) => x.total >= 3);
    assert.equal(res.total, 3);
  });

  it('counts an empty body as a parse failure', async () => {
    const before = sample(await metrics(), 'kyoka_ingest_parse_failures_total', 'source="api",reason="bad_body"');
    for (const body of ['', '   \n']) {
      const r = post(body);
      assert.equal(r.status, 400, r.body);
      assert.equal(JSON.parse(r.body).error, 'KYOKA_E_BAD_REQUEST');
    }
    const after = sample(await metrics(), 'kyoka_ingest_parse_failures_total', 'source="api",reason="bad_body"');
    assert.equal(after - before, 2);
  });

  it('parallel POSTs of one event: stored once, and every answer but one reports the duplicate', async () => {
    const body = JSON.stringify({
      id: '01JD00000000000000000000P1',
      '@timestamp': new Date().toISOString(),
      event: { action: 'test.parallel' },
    });
    const before = sample(await metrics(), 'kyoka_ingest_duplicates_total', '');
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await fetch(`${k.url}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${k.ingestKey}`, 'content-type': 'application/json' },
          body,
        });
        assert.equal(r.status, 200);
        return (await r.json()) as { accepted: number; duplicates: number };
      }),
    );
    assert.deepEqual(answers.map((a) => a.duplicates).sort(), [0, ...Array(19).fill(1)]);
    const res = await searchUntil(k, k.readKey, { q: 'event.action:test.parallel' }, (x) => x.total >= 1);
    assert.equal(res.total, 1);
    const after = sample(await metrics(), 'kyoka_ingest_duplicates_total', '');
    assert.equal(after - before, 19);
  });

  it('answers a bad query with 400 and the error position', async () => {
    const res = await fetch(`${k.url}/api/v1/search?q=${encodeURIComponent('source.ip:1.2.3.4 and (user.name:x')}`, {
      headers: { authorization: `Bearer ${k.readKey}` },
    });
    assert.equal(res.status, 400);
    const j = (await res.json()) as { error: string; position: number };
    assert.equal(j.error, 'KYOKA_E_BAD_QUERY');
    assert.equal(typeof j.position, 'number');
  });
});
