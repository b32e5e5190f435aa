/** TLS: syslog over TLS (RFC 5425 octet counting) and the API over HTTPS, with operator certificates. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { type Kyoka, startKyoka } from '../helpers/kyoka.ts';

describe('TLS listeners', () => {
  let k: Kyoka;
  let dir: string;
  let ca: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kyoka-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'));
    const tlsCfg = `{ cert: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} }`;
    writeFileSync(join(dir, 'kyoka.yaml'), `http:\n  tls: ${tlsCfg}\nsyslog:\n  tcp:\n    tls: ${tlsCfg}\n`);
    k = await startKyoka({ configFile: join(dir, 'kyoka.yaml') });
  });
  after(async () => {
    await k?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over HTTPS and marks the session cookie Secure', async () => {
    assert.match(k.url, /^https:/);
    const out = execFileSync('curl', [
      '-sS',
      '--cacert',
      join(dir, 'cert.pem'),
      '-i',
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '--data',
      JSON.stringify({ username: 'admin', password: k.adminPassword }),
      `${k.url}/api/v1/auth/login`,
    ]).toString();
    assert.match(out, /^HTTP\/1\.1 200/);
    assert.match(out, /set-cookie: kyoka_session=[^\n]*Secure/i);
  });

  it('accepts syslog over TLS with octet counting', async () => {
    const msg =
      '<86>1 2026-11-21T10:00:00.000Z web01 sshd 4242 - - Failed password for root from 192.0.2.200 port 2222 ssh2';
    await new Promise<void>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: k.syslogTcpPort, ca, servername: 'localhost' }, () => {
        s.end(`${Buffer.byteLength(msg)} ${msg}`);
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });
    const deadline = Date.now() + 10_000;
    let total = 0;
    while (Date.now() < deadline && total < 1) {
      const out = execFileSync('curl', [
        '-sS',
        '--cacert',
        join(dir, 'cert.pem'),
        '-G',
        '-H',
        `Authorization: Bearer ${k.readKey}`,
        '--data-urlencode',
        'q=source.ip:192.0.2.200',
        '--data-urlencode',
        'from=2026-11-01T00:00:00Z',
        `${k.url}/api/v1/search`,
      ]).toString();
      total = JSON.parse(out).total;
      if (total < 1) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(total, 1);
  });
});
