/**
 * `kyoka waf` end to end, in-process: real vs sandbox routing, local deceive + report(), server
 * decisions (ban / deceive), redirect and html actions, TLS with an operator certificate, body
 * cap, garbage requests, a dead backend, the sandbox log and the emitted events.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createWaf, type SandboxRecord, validateWafConfig, type Waf } from '@kyoka/waf';
import { type Backend, MapLookup, recorder, request, startBackend, waitFor } from './helpers.ts';

const execFileAsync = promisify(execFile);

describe('waf proxy', () => {
  let dir: string;
  let real: Backend;
  let sandbox: Backend;
  let waf: Waf;
  const lookup = new MapLookup();
  const rec = recorder(lookup);
  const port: Record<string, number> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyoka-waf-'));
    real = await startBackend('REAL');
    sandbox = await startBackend('SANDBOX');
    writeFileSync(join(dir, 'blocked.html'), '<html><body>Operator says no</body></html>');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=secure.example',
        '-addext',
        'subjectAltName=DNS:secure.example',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const base = { backend: real.url, sandbox: sandbox.url };
    const cfg = validateWafConfig({
      sites: [
        { name: 'shop', listen: { port: 0 }, ...base, action: 'deceive', max_body_bytes: 100_000 },
        {
          name: 'redir',
          listen: { port: 0 },
          ...base,
          action: 'redirect',
          redirect_url: 'https://example.com/blocked',
        },
        { name: 'page', listen: { port: 0 }, ...base, action: 'html', html_file: join(dir, 'blocked.html') },
        {
          name: 'secure',
          listen: { port: 0, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } },
          ...base,
        },
        { name: 'down', listen: { port: 0 }, backend: `http://127.0.0.1:${deadPort}`, sandbox: sandbox.url },
      ],
      sandbox_log: { dir: join(dir, 'log'), max_body_bytes: 1024 },
      deceive_duration: '1h',
      headers_timeout_ms: 1000,
    });
    waf = await createWaf(cfg, rec.hooks);
    for (const a of waf.addresses()) port[a.site] = a.port;
  });

  after(async () => {
    await waf?.close();
    await real?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('normal client reaches the real backend with Host kept and X-Forwarded-* added', async () => {
    const r = await request(port.shop as number, '/hello?q=O%27Brien', { from: '127.0.0.3' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'REAL /hello');
    assert.deepEqual(r.headers['set-cookie'], ['backend=REAL; Path=/']);
    const seen = real.seen.at(-1);
    assert.equal(seen?.headers.host, 'shop.example');
    assert.equal(seen?.headers['x-forwarded-for'], '127.0.0.3');
    assert.equal(seen?.headers['x-forwarded-proto'], 'http');
  });

  it('an attack moves this and every later request of that source to the sandbox; others stay real', async () => {
    const atk = await request(port.shop as number, `/item?id=${encodeURIComponent("1' OR '1'='1")}`, {
      from: '127.0.0.4',
      headers: { cookie: 'session=abc' },
    });
    assert.match(atk.body, /SANDBOX/);
    const seen = sandbox.seen.at(-1);
    assert.equal(seen?.headers.host, 'shop.example');
    assert.equal(seen?.headers.cookie, 'session=abc');
    assert.deepEqual(rec.reports, [
      {
        value: '127.0.0.4',
        type: 'deceive',
        reason: rec.reports[0]?.reason,
        scenario: 'kyoka/waf-sqli',
        duration: '1h',
      },
    ]);
    assert.match(rec.reports[0]?.reason ?? '', /sqli-boolean-string@arg:id/);
    const later = await request(port.shop as number, '/account', { from: '127.0.0.4' });
    assert.equal(later.body, 'SANDBOX /account');
    const other = await request(port.shop as number, '/account', { from: '127.0.0.5' });
    assert.equal(other.body, 'REAL /account');
    assert.equal(rec.reports.length, 1, 'one report per source');
    const ev = rec.events.find((e) => e.source?.ip === '127.0.0.4' && (e.rule as { id: string[] })?.id);
    assert.ok(ev, 'attack event emitted');
    assert.equal(ev.event.dataset, 'kyoka.waf');
    assert.deepEqual((ev.rule as { category: string[] }).category, ['sqli']);
    assert.equal((ev.kyoka?.waf as { action: string } | undefined)?.action, 'sandbox');
    assert.ok(rec.events.some((e) => e.source?.ip === '127.0.0.4' && e.url?.path === '/account'));
  });

  it('sandboxed traffic is logged in full (headers, capped bodies, response)', async () => {
    const body = `user=admin&note=${'x'.repeat(3000)}`;
    await request(port.shop as number, '/login', {
      from: '127.0.0.4',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-probe': 'yes' },
      body,
    });
    const file = join(dir, 'log', 'shop.ndjson');
    const rec2 = await waitFor(
      () => {
        const lines = readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as SandboxRecord);
        return lines.find((l) => l.request.url === '/login');
      },
      5000,
      'log record',
    );
    assert.equal(rec2.source.ip, '127.0.0.4');
    assert.equal(rec2.request.method, 'POST');
    assert.equal(rec2.request.headers['x-probe'], 'yes');
    assert.equal(rec2.request.bytes, body.length);
    assert.equal(rec2.request.truncated, true);
    assert.equal(rec2.request.body, body.slice(0, 1024));
    assert.equal(rec2.response.status, 200);
    assert.equal(rec2.response.body, 'SANDBOX /login');
    assert.equal(sandbox.seen.at(-1)?.body, body, 'the sandbox got the whole body');
  });

  it('server decisions: ban → 403, deceive → sandbox', async () => {
    lookup.map.set('127.0.0.6', 'ban');
    lookup.map.set('127.0.0.7', 'deceive');
    const banned = await request(port.shop as number, '/', { from: '127.0.0.6' });
    assert.equal(banned.status, 403);
    assert.doesNotMatch(banned.body, /REAL|SANDBOX/);
    const dec = await request(port.shop as number, '/x', { from: '127.0.0.7' });
    assert.equal(dec.body, 'SANDBOX /x');
    assert.ok(waf.stats().find((s) => s.site === 'shop')!.banned >= 1);
  });

  it('multipart/form-data (curl -F): an attack in a form field is sandboxed; a clean upload is not', async () => {
    // async: the WAF runs in this process
    const curl = async (from: string, ...form: string[]) =>
      (
        await execFileAsync('curl', [
          '-s',
          '--interface',
          from,
          '-H',
          'Host: shop.example',
          ...form.flatMap((f) => ['-F', f]),
          `http://127.0.0.1:${port.shop}/upload`,
        ])
      ).stdout;
    writeFileSync(join(dir, 'page.html'), '<html><script>alert(1)</script></html>');
    assert.equal(await curl('127.0.0.12', 'title=holiday', `file=@${join(dir, 'page.html')}`), 'REAL /upload');
    assert.equal(
      await curl('127.0.0.13', 'title=holiday', 'id=1 UNION SELECT password FROM users--'),
      'SANDBOX /upload',
    );
    assert.ok(rec.reports.some((d) => d.value === '127.0.0.13'));
    assert.match(sandbox.seen.at(-1)?.body ?? '', /UNION SELECT password/, 'the sandbox got the whole form');
  });

  it('redirect and html actions', async () => {
    const r = await request(port.redir as number, '/?q=%3Cscript%3Ealert(1)%3C/script%3E', { from: '127.0.0.8' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://example.com/blocked');
    assert.equal((await request(port.redir as number, '/ok', { from: '127.0.0.8' })).body, 'REAL /ok');
    const h = await request(port.page as number, '/../../etc/passwd', { from: '127.0.0.9' });
    assert.equal(h.status, 403);
    assert.equal(h.body, '<html><body>Operator says no</body></html>');
    assert.equal(rec.reports.filter((d) => d.value === '127.0.0.8' || d.value === '127.0.0.9').length, 0);
    const st = waf.stats();
    assert.equal(st.find((s) => s.site === 'redir')?.attacks.xss, 1);
    assert.equal(st.find((s) => s.site === 'page')?.attacks.lfi, 1);
  });

  it('terminates TLS with the operator certificate', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: port.secure,
            path: '/tls',
            servername: 'secure.example',
            ca,
            headers: { host: 'secure.example' },
          },
          (res) => {
            let b = '';
            res.on('data', (c) => (b += c));
            res.on('end', () => resolve(b));
          },
        )
        .on('error', reject);
    });
    assert.equal(body, 'REAL /tls');
    assert.equal(real.seen.at(-1)?.headers['x-forwarded-proto'], 'https');
  });

  it('huge body → 413 (declared and streamed); dead backend → 502', async () => {
    const big = await request(port.shop as number, '/upload', {
      method: 'POST',
      from: '127.0.0.10',
      body: Buffer.alloc(200_000),
    });
    assert.equal(big.status, 413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: port.shop,
          path: '/upload',
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e) => reject(e));
      for (let i = 0; i < 20; i++) req.write(Buffer.alloc(10_000));
      req.end();
    });
    assert.equal(chunked, 413);
    const down = await request(port.down as number, '/', { from: '127.0.0.11' });
    assert.equal(down.status, 502);
    const st = waf.stats();
    assert.equal(st.find((s) => s.site === 'shop')?.too_large, 2);
    assert.equal(st.find((s) => s.site === 'down')?.upstream_errors, 1);
  });

  it('garbage request → 400, counted, proxy alive; slow headers are cut', async () => {
    const raw = await new Promise<string>((resolve) => {
      const s = net.connect(port.shop as number, '127.0.0.1', () => s.write('\x16\x03\x01 GARBAGE\r\n\r\n'));
      let b = '';
      s.on('data', (c) => (b += c));
      s.on('close', () => resolve(b));
    });
    assert.match(raw, /^HTTP\/1\.1 400/);
    const slow = await new Promise<string>((resolve) => {
      const s = net.connect(port.shop as number, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      let b = '';
      s.on('data', (c) => (b += c));
      s.on('close', () => resolve(b));
    });
    assert.match(slow, /^HTTP\/1\.1 408|^$/);
    assert.ok((waf.stats().find((s) => s.site === 'shop')?.bad_requests ?? 0) >= 1);
    assert.equal((await request(port.shop as number, '/alive', { from: '127.0.0.3' })).body, 'REAL /alive');
  });

  it('config errors name the key', () => {
    assert.throws(
      () => validateWafConfig({ sites: [{ name: 'a', listen: { port: 1 }, backend: 'ftp://x', sandbox: 'http://y' }] }),
      /sites\.0\.backend/,
    );
    assert.throws(
      () =>
        validateWafConfig({
          sites: [{ name: 'a', listen: { port: 1 }, backend: 'http://x', sandbox: 'http://y', action: 'redirect' }],
        }),
      /sites\.0\.redirect_url/,
    );
    assert.throws(
      () =>
        validateWafConfig({ sites: [{ name: 'a', listen: { port: 'x' }, backend: 'http://x', sandbox: 'http://y' }] }),
      /sites\.0\.listen\.port/,
    );
    assert.throws(() => validateWafConfig({ sites: [], trust_forwarded: [] }), /sites/);
    assert.throws(
      () =>
        validateWafConfig({
          sites: [{ name: 'a', listen: { port: 1 }, backend: 'http://x', sandbox: 'http://y' }],
          trust_forwarded: ['nope'],
        }),
      /trust_forwarded\.0/,
    );
  });
});
