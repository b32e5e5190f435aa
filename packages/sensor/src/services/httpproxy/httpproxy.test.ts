/** httpproxy honeypot against curl -x: 407 with Squid's headers and page, credentials decoded. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { decodeProxyAuth, factory, INVALID_TOKEN } from './index.ts';

function curl(args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile('curl', ['-s', '-i', '--max-time', '5', ...args], (_e, out) => resolve(String(out))),
  );
}

let svc: Awaited<ReturnType<typeof startService>>;
let proxy = '';
before(async () => {
  svc = await startService(factory, { 'httpproxy.port': 0 });
  proxy = `http://127.0.0.1:${svc.service.ports[0]?.port}`;
});
after(() => svc.stop());

test('curl -x --proxy-user u:p:w -> 407 Squid reply, 7001 with the password containing ":"', async () => {
  const out = await curl(['-x', proxy, '--proxy-user', 'u:p:w', 'http://example.com/a?b=1&c=<x>']);
  assert.match(out, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
  for (const h of [
    'Server: squid/5.7',
    'Mime-Version: 1.0',
    'X-Squid-Error: ERR_CACHE_ACCESS_DENIED 0',
    'Proxy-Authenticate: Basic realm="Squid proxy-caching web server"',
    'X-Cache: MISS from localhost',
    'Via: 1.1 localhost (squid/5.7)',
  ]) {
    assert.ok(out.includes(`\r\n${h}\r\n`), h);
  }
  assert.match(out, /<title>ERROR: Cache Access Denied<\/title>/);
  assert.ok(!out.includes('<x>'), 'URL escaped');
  const r = svc.h.records.at(-1);
  assert.equal(r?.logtype, 7001);
  assert.deepEqual(r?.logdata, { USERNAME: 'u', PASSWORD: 'p:w' });
});

test('no Proxy-Authorization: 407, nothing logged; CONNECT also 407', async () => {
  const n = svc.h.records.length;
  assert.match(await curl(['-x', proxy, 'http://example.com/']), /^HTTP\/1\.1 407 /);
  assert.equal(svc.h.records.length, n);
  const out = await curl(['-x', proxy, '--proxy-user', 'alice:s3cret', '-p', 'https://example.com/']);
  assert.match(out, /^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
  assert.deepEqual(svc.h.records.at(-1)?.logdata, { USERNAME: 'alice', PASSWORD: 's3cret' });
});

test('Proxy-Authorization decoding edge cases', () => {
  assert.deepEqual(decodeProxyAuth(`Basic ${Buffer.from('a:b:c').toString('base64')}`), {
    USERNAME: 'a',
    PASSWORD: 'b:c',
  });
  assert.deepEqual(decodeProxyAuth(`basic ${Buffer.from('nocolon').toString('base64')}`), {
    USERNAME: 'nocolon',
    PASSWORD: '',
  });
  assert.deepEqual(decodeProxyAuth('Basic !!notbase64'), { USERNAME: INVALID_TOKEN, PASSWORD: '' });
  assert.deepEqual(decodeProxyAuth('NTLM TlRMTVNTUAABAAAA'), { USERNAME: INVALID_TOKEN, PASSWORD: '' });
  assert.deepEqual(decodeProxyAuth(''), { USERNAME: INVALID_TOKEN, PASSWORD: '' });
});

test('ms-isa profile', async () => {
  const isa = await startService(factory, { 'httpproxy.port': 0, 'httpproxy.skin': 'ms-isa' });
  try {
    const out = await curl([
      '-x',
      `http://127.0.0.1:${isa.service.ports[0]?.port}`,
      '--proxy-user',
      'x:y',
      'http://a/',
    ]);
    assert.match(out, /^HTTP\/1\.1 407 Proxy Authentication Required \( The ISA Server requires authorization/);
    assert.match(out, /\r\nVia: 1\.1 localhost\r\n/);
    assert.deepEqual(isa.h.records.at(-1)?.logdata, { USERNAME: 'x', PASSWORD: 'y' });
  } finally {
    await isa.stop();
  }
});
