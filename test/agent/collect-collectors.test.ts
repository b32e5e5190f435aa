/**
 * createCollectors end to end: config validation errors name the key; a file collector resumes
 * from its saved offset after a restart (nothing re-read, nothing lost); journald follows a
 * journalctl stand-in (argument array, cursor saved and resumed); a missing journalctl fails
 * only its own collector.
 */
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { validateCollectors } from '@kyoka/agent/collect/index';
import { type Harness, removeDir, runCollectors, tempDir, until } from './collect-helpers.ts';

const FTP_FAIL = (user: string) =>
  `Sun Nov 22 03:15:28 2026 [pid 9192] [${user}] FAIL LOGIN: Client "::ffff:192.0.2.10"\n`;

describe('collector config validation', () => {
  it('names the key of the first error', () => {
    assert.throws(
      () => validateCollectors([{ type: 'file', path: '/var/log/x', format: 'nope' }]),
      (e: Error & { code?: string }) => e.code === 'KYOKA_E_BAD_CONFIG' && /collectors\.0\.format/.test(e.message),
    );
    assert.throws(
      () => validateCollectors([{ type: 'file', path: 'relative.log', format: 'vsftpd' }]),
      /collectors\.0\.path/,
    );
    assert.throws(
      () => validateCollectors([{ type: 'journald', unit: '--output=cat', format: 'sshd' }]),
      /collectors\.0\.unit/,
    );
    assert.throws(
      () =>
        validateCollectors([
          { type: 'file', name: 'a', path: '/x', format: 'json' },
          { type: 'file', name: 'a', path: '/y', format: 'json' },
        ]),
      /collectors\.1\.name: duplicate/,
    );
    assert.throws(() => validateCollectors([{ type: 'redis-monitor', url: 'redis://:6379' }]), /collectors\.0\.url/);
    assert.throws(() => validateCollectors([{ type: 'file', path: '/x', format: 'json', extra: 1 }]), /collectors\.0/);
    assert.equal(validateCollectors(undefined).length, 0);
    const ok = validateCollectors([{ type: 'redis-monitor', url: 'redis://127.0.0.1:6380/2', password: 'x' }]);
    assert.equal(ok[0]?.type, 'redis-monitor');
  });
});

describe('collectors end to end', () => {
  let dir: string;
  let h: Harness | undefined;
  beforeEach(() => {
    dir = tempDir('collectors');
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    removeDir(dir);
  });

  it('a restarted file collector resumes at its saved offset', async () => {
    const log = join(dir, 'vsftpd.log');
    writeFileSync(log, FTP_FAIL('before-start'));
    const cfg = [{ type: 'file', name: 'ftp', path: log, format: 'vsftpd' }];
    h = await runCollectors(cfg, join(dir, 'state'));
    appendFileSync(log, FTP_FAIL('u1'));
    const first = h;
    await until(() => first.events.length === 1, 'u1');
    await h.stop();
    assert.equal(readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.json')).length, 1);
    appendFileSync(log, FTP_FAIL('u2-while-down'));
    h = await runCollectors(cfg, join(dir, 'state'));
    appendFileSync(log, FTP_FAIL('u3'));
    const second = h;
    await until(() => second.events.length === 2, 'u2 and u3');
    assert.deepEqual(
      [...first.events, ...second.events].map((e) => e.user?.name),
      ['u1', 'u2-while-down', 'u3'],
    );
    assert.equal(second.events[0]?.source?.ip, '192.0.2.10');
    const st = second.collectors.stats()[0];
    assert.equal(st?.offset, readFileSync(log).length);
  });

  it('journald: follows journalctl --output=json, saves the cursor and resumes after it', async () => {
    const argsFile = join(dir, 'args');
    const fake = join(dir, 'journalctl');
    const entry = (i: number) =>
      JSON.stringify({
        __CURSOR: `s=abc;i=${i}`,
        __REALTIME_TIMESTAMP: '1795316858456943',
        _PID: '77',
        SYSLOG_IDENTIFIER: 'sshd',
        MESSAGE: `Failed password for root from 198.51.100.${i} port 4000${i} ssh2`,
      });
    writeFileSync(
      fake,
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsFile}'\nprintf '%s\\n' '${entry(1)}' '${entry(2)}'\nexec sleep 30\n`,
    );
    chmodSync(fake, 0o755);
    const cfg = [
      { type: 'journald', name: 'ssh', unit: 'ssh.service', format: 'sshd' },
      { type: 'journald', name: 'gone', unit: 'x.service', format: 'syslog' },
    ];
    h = await runCollectors(cfg.slice(0, 1), join(dir, 'state'), { journalctl: fake });
    const first = h;
    await until(() => first.events.length === 2, 'two journal events');
    assert.equal(first.events[1]?.event.action, 'sshd.login_failure');
    assert.equal(first.events[1]?.source?.ip, '198.51.100.2');
    assert.equal(first.events[1]?.process?.pid, 77);
    assert.equal(first.collectors.stats()[0]?.connected, true);
    await h.stop();
    h = await runCollectors(cfg.slice(0, 1), join(dir, 'state'), { journalctl: fake });
    const second = h;
    await until(() => readFileSync(argsFile, 'utf8').trim().split('\n').length === 2, 'second start');
    const [a1, a2] = readFileSync(argsFile, 'utf8').trim().split('\n');
    assert.equal(a1, '--follow --output=json --no-pager --quiet --unit=ssh.service --lines=0');
    assert.equal(a2, '--follow --output=json --no-pager --quiet --unit=ssh.service --after-cursor=s=abc;i=2');
    await until(() => second.events.length === 2, 'stand-in replays');
  });

  it('a missing journalctl fails only its own collector', async () => {
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    h = await runCollectors(
      [
        { type: 'journald', name: 'ssh', unit: 'ssh.service', format: 'sshd' },
        { type: 'file', name: 'app', path: log, format: 'json' },
      ],
      join(dir, 'state'),
      { journalctl: join(dir, 'no-such-journalctl') },
    );
    const harness = h;
    await until(() => (harness.collectors.stats()[0]?.errors ?? 0) > 0, 'journald error');
    assert.equal(harness.collectors.stats()[0]?.connected, false);
    appendFileSync(log, '{"event":{"action":"app.ok"}}\n');
    await until(() => harness.events.find((e) => e.event.action === 'app.ok'), 'file collector event');
  });
});
