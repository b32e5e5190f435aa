import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProgramLine } from './index.ts';
import { type AnyEvent, CTX, run } from './test-helpers.ts';
import { vsftpdParser } from './vsftpd.ts';

describe('vsftpd program parser', () => {
  it('vsftpd.log login failure / success with date and pid', () => {
    const f = parseProgramLine(
      'vsftpd',
      'Sat Nov 21 10:00:00 2026 [pid 1234] [ftpuser] FAIL LOGIN: Client "::ffff:1.2.3.4"',
      CTX,
    ) as AnyEvent;
    assert.equal(f['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(f.event.action, 'vsftpd.login_failure');
    assert.equal(f.event.outcome, 'failure');
    assert.equal(f.event.dataset, 'vsftpd');
    assert.equal(f.user.name, 'ftpuser');
    assert.equal(f.source.ip, '1.2.3.4');
    assert.equal(f.process.pid, 1234);
    const ok = run(vsftpdParser, 'Sun Nov  1 09:05:03 2026 [pid 1240] [ftpuser] OK LOGIN: Client "192.0.2.44"');
    assert.equal(ok?.event.action, 'vsftpd.login_success');
    assert.equal(ok?.['@timestamp'], '2026-11-01T09:05:03.000Z');
  });

  it('uploads and downloads with path and bytes', () => {
    const u = run(
      vsftpdParser,
      'Sat Nov 21 10:01:00 2026 [pid 1235] [ftpuser] OK UPLOAD: Client "::ffff:1.2.3.4", "/home/ftpuser/shell.php", 1234 bytes, 56.78Kbyte/sec',
    );
    assert.equal(u?.event.action, 'vsftpd.upload');
    assert.equal(u?.event.outcome, 'success');
    assert.deepEqual(u?.file, { path: '/home/ftpuser/shell.php', size: 1234 });
    const d = run(
      vsftpdParser,
      'Sat Nov 21 10:02:00 2026 [pid 1235] [ftpuser] OK DOWNLOAD: Client "::ffff:1.2.3.4", "/etc/my file.conf", 1048576 bytes, 2345.67Kbyte/sec',
    );
    assert.equal(d?.event.action, 'vsftpd.download');
    assert.equal(d?.file.path, '/etc/my file.conf');
    const fu = run(vsftpdParser, '[anon] FAIL UPLOAD: Client "1.2.3.4", "/pub/x.bin", 0.00Kbyte/sec');
    assert.equal(fu?.event.action, 'vsftpd.upload');
    assert.equal(fu?.event.outcome, 'failure');
    const c = run(vsftpdParser, 'Sat Nov 21 10:00:00 2026 [pid 1233] CONNECT: Client "::ffff:1.2.3.4"');
    assert.equal(c?.event.action, 'vsftpd.connect');
  });

  it('syslog variant, xferlog and pam', () => {
    const s = run(vsftpdParser, '[ftpuser] FAIL LOGIN: Client "1.2.3.4"');
    assert.equal(s?.event.action, 'vsftpd.login_failure');
    const x = run(
      vsftpdParser,
      'Sat Nov 21 10:03:00 2026 1 ::ffff:1.2.3.4 1234 /home/ftpuser/a b.txt b _ i r ftpuser ftp 0 * c',
    );
    assert.equal(x?.event.action, 'vsftpd.upload');
    assert.deepEqual(x?.file, { path: '/home/ftpuser/a b.txt', size: 1234 });
    assert.equal(x?.user.name, 'ftpuser');
    assert.equal(x?.source.ip, '1.2.3.4');
    const p = run(
      vsftpdParser,
      'pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=ftpuser rhost=::ffff:1.2.3.4',
    );
    assert.equal(p?.event.action, 'vsftpd.auth_failure');
    assert.equal(p?.source.ip, '1.2.3.4');
  });

  it('unrecognized plain lines still give an event', () => {
    const e = parseProgramLine('vsftpd', 'something new', CTX) as AnyEvent;
    assert.equal(e.event.action, 'vsftpd.message');
    assert.equal(e.message, 'something new');
    assert.equal(e['@timestamp'], CTX.receivedAt.toISOString());
  });
});
