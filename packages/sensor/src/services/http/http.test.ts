/** http honeypot against the real curl client: every route, status, header and record. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-i', '--max-time', '5', ...args], (_e, out) => resolve(String(out)));
  });
}

function raw(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString('latin1');
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(data);
  });
}

let svc: Awaited<ReturnType<typeof startService>>;
let base = '';
let port = 0;
before(async () => {
  svc = await startService(factory, {
    'http.port': 0,
    'http.log_unimplemented_method_requests': true,
    'http.log_redirect_request': true,
  });
  port = svc.service.ports[0]?.port ?? 0;
  base = `http://127.0.0.1:${port}`;
});
after(() => svc.stop());

const last = () => svc.h.records.at(-1);
const UA = ['-A', 'kyoka-test/1.0'];

test('/ redirects to /index.html and logs 3003', async () => {
  const out = await curl([...UA, `${base}/`]);
  assert.match(out, /^HTTP\/1\.1 302 Found\r\n/);
  assert.match(out, /\r\nLocation: \/index\.html\r\n/);
  assert.match(out, /\r\nServer: Apache\/2\.4\.62 \(Debian\)\r\n/);
  assert.deepEqual(last()?.logtype, 3003);
  assert.deepEqual(last()?.logdata, { HOSTNAME: '127.0.0.1', PATH: '/', USERAGENT: 'kyoka-test/1.0' });
});

test('GET /index.html: login form, 3000', async () => {
  const out = await curl([...UA, `${base}/index.html?x=1`]);
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /Synology&nbsp;DiskStation/);
  assert.doesNotMatch(out, /account or password is invalid/);
  assert.equal(last()?.logtype, 3000);
  assert.deepEqual(last()?.logdata, {
    SKIN: 'nasLogin',
    HOSTNAME: '127.0.0.1',
    PATH: '/index.html',
    USERAGENT: 'kyoka-test/1.0',
  });
  assert.equal(last()?.conn?.dst_port, port);
});

test('POST /index.html: error block, 3001 with credentials', async () => {
  const out = await curl([
    ...UA,
    '-H',
    'Host: nas.example:8080',
    '-d',
    'username=admin&password=p%3Aw%26x',
    `${base}/index.html`,
  ]);
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /The account or password is invalid/);
  assert.deepEqual(last()?.logdata, {
    USERNAME: 'admin',
    PASSWORD: 'p:w&x',
    SKIN: 'nasLogin',
    HOSTNAME: 'nas.example',
    PATH: '/index.html',
    USERAGENT: 'kyoka-test/1.0',
  });
  await curl(['-H', 'User-Agent:', '-F', 'username=multi', `${base}/index.html`]);
  assert.deepEqual(last()?.logdata, {
    USERNAME: 'multi',
    PASSWORD: '<not supplied>',
    SKIN: 'nasLogin',
    HOSTNAME: '127.0.0.1',
    PATH: '/index.html',
    USERAGENT: '<not supplied>',
  });
});

for (const m of ['DELETE', 'PATCH', 'PUT', 'TRACE', 'CONNECT']) {
  test(`${m} /index.html: empty 405, 3002`, async () => {
    const out = await curl([...UA, '-X', m, `${base}/index.html`]);
    assert.match(out, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(out, /\r\nContent-Length: 0\r\n/);
    assert.equal(last()?.logtype, 3002);
    assert.deepEqual(last()?.logdata, {
      SKIN: 'nasLogin',
      HOSTNAME: '127.0.0.1',
      PATH: '/index.html',
      USERAGENT: 'kyoka-test/1.0',
      REQUEST_TYPE: m,
    });
  });
}

test('HEAD /index.html: 405, 3002', async () => {
  const out = await curl([...UA, '-I', `${base}/index.html`]);
  assert.match(out, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  assert.equal(last()?.logdata.REQUEST_TYPE, 'HEAD');
});

test('unknown verbs and bad requests get the raw replies', async () => {
  const n = svc.h.records.length;
  assert.equal(await curl(['-X', 'INVALID', `${base}/index.html`]), 'HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  assert.equal(await curl(['-X', 'OPTIONS', `${base}/index.html`]), 'HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  assert.equal(await raw(port, 'GET / HTTP/1.1\r\nBad Header\r\n\r\n'), 'HTTP/1.1 400 Bad Request\r\n\r\n');
  assert.equal(await raw(port, '\x16\x03\x01\x00\xff\x01garbage\r\n\r\n'), 'HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  assert.equal(svc.h.records.length, n, 'nothing logged');
});

test('static file, directory 403, missing 404, traversal, none logged', async () => {
  const n = svc.h.records.length;
  const css = await curl([`${base}/css/login.css`]);
  assert.match(css, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(css, /\r\nContent-Type: text\/css\r\n/);
  assert.match(css, /\r\nETag: "[0-9a-f]+-[0-9a-f]+"\r\n/);
  const dir = await curl([`${base}/css/`]);
  assert.match(dir, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.match(dir, /<h1>Forbidden<\/h1>/);
  assert.match(dir, /<address>Apache\/2\.4\.62 \(Debian\) Server at 127\.0\.0\.1 Port \d+<\/address>/);
  assert.match(
    await curl([`${base}/css`]),
    /^HTTP\/1\.1 301 Moved Permanently\r\n[\s\S]*Location: http:\/\/127\.0\.0\.1:\d+\/css\/\r\n/,
  );
  const missing = await curl([`${base}/this/file/doesnt_exist.txt`]);
  assert.match(missing, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(missing, /<p>The requested URL was not found on this server\.<\/p>/);
  for (const p of ['/../../../../etc/passwd', '/css/../../skin.ts', '/%2e%2e/%2e%2e/index.ts', '/..%2fskin.ts']) {
    assert.match(await curl(['--path-as-is', `${base}${p}`]), /^HTTP\/1\.1 404 Not Found\r\n/, p);
  }
  assert.equal(svc.h.records.length, n);
});

test('oversized body: 413 and close; basicLogin skin', async () => {
  const out = await curl(['-H', 'Content-Length: 999999', '-d', 'x', `${base}/index.html`]);
  assert.match(out, /^HTTP\/1\.1 413 Request Entity Too Large\r\n[\s\S]*Connection: close\r\n/);
  assert.equal(svc.h.counts.get('http:oversize'), 1);
  const b = await startService(factory, { 'http.port': 0, 'http.skin': 'basicLogin', 'http.banner': 'nginx' });
  try {
    const out2 = await curl([`http://127.0.0.1:${b.service.ports[0]?.port}/index.html`]);
    assert.match(out2, /\r\nServer: nginx\r\n/);
    assert.match(out2, /Please sign in/);
    assert.equal(b.h.records[0]?.logdata.SKIN, 'basicLogin');
  } finally {
    await b.stop();
  }
});

test('slowloris that keeps trickling after its 408 is closed within the linger time', async () => {
  const slow = await startService(factory, { 'http.port': 0, 'kyoka.http_header_timeout_ms': 300 });
  try {
    const started = Date.now();
    const c = connect(slow.service.ports[0]?.port ?? 0, '127.0.0.1');
    let got = '';
    c.on('data', (d) => {
      got += d;
    });
    c.on('error', () => {});
    c.write('GET / HTTP/1.1\r\nHost: a\r\n');
    const drip = setInterval(() => c.write('X'), 100);
    await new Promise((r) => c.once('close', r));
    clearInterval(drip);
    assert.ok(got.startsWith('HTTP/1.1 408 Request Timeout'), got);
    assert.ok(Date.now() - started < 4500, `closed after ${Date.now() - started} ms`);
  } finally {
    await slow.stop();
  }
});

test('slowloris: an unfinished header block is cut off by the header timeout', async () => {
  const slow = await startService(factory, { 'http.port': 0, 'kyoka.http_header_timeout_ms': 300 });
  try {
    const started = Date.now();
    const out = await raw(slow.service.ports[0]?.port ?? 0, 'GET /index.html HTTP/1.1\r\nHost: a\r\nX-a: b\r\n');
    assert.equal(out, 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    assert.ok(Date.now() - started < 5000);
    assert.equal(slow.h.counts.get('http:header_timeout'), 1);
    assert.equal(slow.h.records.length, 0);
  } finally {
    await slow.stop();
  }
});
