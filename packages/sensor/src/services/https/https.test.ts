/** https honeypot: curl -k against the login page, and the generated certificate's subject. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

let svc: Awaited<ReturnType<typeof startService>>;
let port = 0;
before(async () => {
  svc = await startService(factory, { 'https.port': 0, 'https.domain_name': 'nas.corp.example' });
  port = svc.service.ports[0]?.port ?? 0;
});
after(() => svc.stop());

test('curl -k: login page over TLS, 3000 and 3001 logged', async () => {
  const out = await new Promise<string>((resolve) =>
    execFile('curl', ['-sik', '-A', 'ua', `https://127.0.0.1:${port}/index.html`], (_e, o) => resolve(String(o))),
  );
  assert.match(out, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(out, /\r\nServer: Apache\/2\.4\.62 \(Debian\)\r\n/);
  assert.deepEqual(svc.h.records.at(-1)?.logdata, {
    SKIN: 'nasLogin',
    HOSTNAME: '127.0.0.1',
    PATH: '/index.html',
    USERAGENT: 'ua',
  });
  await new Promise((resolve) =>
    execFile('curl', ['-sk', '-d', 'username=a&password=b', `https://127.0.0.1:${port}/index.html`], resolve),
  );
  const r = svc.h.records.at(-1);
  assert.equal(r?.logtype, 3001);
  assert.equal(r?.logdata.USERNAME, 'a');
  assert.equal(r?.logdata.PASSWORD, 'b');
  assert.equal(r?.conn?.src_host, '127.0.0.1');
});

test('certificate: CN=https.domain_name, O=Synology Inc. CA, reused after restart', async () => {
  const subject = () =>
    new Promise<{ CN?: string; O?: string; fp: string }>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        const c = s.getPeerCertificate();
        s.end();
        resolve({ CN: c.subject.CN as string, O: c.subject.O as string, fp: c.fingerprint256 });
      });
      s.on('error', reject);
    });
  const first = await subject();
  assert.equal(first.CN, 'nas.corp.example');
  assert.equal(first.O, 'Synology Inc. CA');
  await svc.service.stop();
  await svc.service.start();
  port = svc.service.ports[0]?.port ?? 0;
  assert.equal((await subject()).fp, first.fp);
});
