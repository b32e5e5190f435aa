/**
 * A real vsftpd on a loopback port writes its own vsftpd.log (dual_log_enable, xferlog_std_format=NO);
 * failed logins made with curl must come out of the file collector as the same
 * vsftpd.login_failure events (user, source ip) that the FTP brute-force rule counts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemon, freePort, type Harness, removeDir, run, runCollectors, tempDir, until } from './collect-helpers.ts';

const VSFTPD = '/usr/sbin/vsftpd';
const skip = !existsSync(VSFTPD) ? 'vsftpd is not installed (apt-get install vsftpd)' : false;

describe('file collector on a real vsftpd', { skip }, () => {
  let dir: string;
  let ftpd: ReturnType<typeof daemon> | undefined;
  let h: Harness | undefined;
  let port: number;

  before(async () => {
    dir = tempDir('vsftpd');
    port = await freePort();
    const empty = join(dir, 'empty');
    mkdirSync(empty, { mode: 0o755 });
    const conf = join(dir, 'vsftpd.conf');
    writeFileSync(
      conf,
      [
        'listen=YES',
        'listen_ipv6=NO',
        'listen_address=127.0.0.1',
        `listen_port=${port}`,
        'background=NO',
        'anonymous_enable=NO',
        'local_enable=YES',
        'pam_service_name=vsftpd',
        'xferlog_enable=YES',
        'xferlog_std_format=NO',
        'dual_log_enable=YES',
        `vsftpd_log_file=${join(dir, 'vsftpd.log')}`,
        `xferlog_file=${join(dir, 'xferlog')}`,
        `secure_chroot_dir=${empty}`,
        'seccomp_sandbox=NO',
        'delay_failed_login=0',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(join(dir, 'vsftpd.log'), '');
    h = await runCollectors(
      [{ type: 'file', name: 'ftp', path: join(dir, 'vsftpd.log'), format: 'vsftpd' }],
      join(dir, 'state'),
    );
    ftpd = daemon(VSFTPD, [conf]);
    // Wait until it accepts connections.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await run('curl', ['-s', '--max-time', '2', `ftp://127.0.0.1:${port}/`], 5000);
      if (r.code !== 7) break; // 7: connection refused
      if (Date.now() > deadline) throw new Error(`vsftpd did not start: ${ftpd.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await h?.stop();
    await ftpd?.stop();
    removeDir(dir);
  });

  it('failed logins become vsftpd.login_failure events with user and source ip', async () => {
    const users = ['alice', 'bob', 'carol'];
    await Promise.all(
      users.map((u) => run('curl', ['-s', '--max-time', '8', `ftp://${u}:wrong-password@127.0.0.1:${port}/`], 10_000)),
    );
    const harness = h as Harness;
    const fails = await until(() => {
      // (the start-up probe logged in as anonymous: not one of ours)
      const f = harness.events.filter(
        (e) => e.event.action === 'vsftpd.login_failure' && users.includes(e.user?.name ?? ''),
      );
      return f.length >= users.length ? f : undefined;
    }, 'three login failures');
    assert.deepEqual(fails.map((e) => e.user?.name).sort(), users);
    for (const e of fails) {
      assert.equal(e.source?.ip, '127.0.0.1');
      assert.equal(e.event.outcome, 'failure');
      assert.deepEqual(e.event.category, ['authentication']);
      assert.equal(e.event.dataset, 'vsftpd');
      assert.match(
        e.event.original ?? '',
        /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \[pid \d+\] \[\w+\] FAIL LOGIN: Client "127\.0\.0\.1"$/,
      );
      assert.deepEqual(e.observer, { name: 'agent-test', hostname: 'web1', type: 'agent' });
      assert.match(e.id, /^[0-9A-Z]{26}$/);
      assert.equal(e.kyoka?.collector, 'ftp');
    }
    assert.ok(harness.events.some((e) => e.event.action === 'vsftpd.connect'));
    const st = harness.collectors.stats()[0];
    assert.equal(st?.name, 'ftp');
    assert.equal(st?.errors, 0);
    assert.ok((st?.events ?? 0) >= 6);
  });
});
