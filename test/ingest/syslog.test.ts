/** Syslog with real senders: util-linux `logger` over UDP and TCP, and rsyslog forwarding. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kyoka, searchUntil, startKyoka } from '../helpers/kyoka.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Sends one message with util-linux logger to 127.0.0.1:port; `opts` are logger's own flags. */
function logger(port: number, opts: string[], tag: string, message: string): void {
  execFileSync('logger', ['--server', '127.0.0.1', '--port', String(port), ...opts, '-t', tag, '--', message], {
    stdio: 'pipe',
  });
}

const RSYSLOGD = ['/usr/sbin/rsyslogd', 'rsyslogd'].find((p) => {
  try {
    execFileSync(p, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

describe('syslog ingest', () => {
  let k: Kyoka;
  before(async () => {
    k = await startKyoka();
  });
  after(() => k?.stop());

  it('logger over UDP (RFC 5424): sshd failure parsed into user and source IP', async () => {
    logger(
      k.syslogUdpPort,
      ['--udp', '--rfc5424'],
      'sshd',
      'Failed password for invalid user oracle from 203.0.113.77 port 52211 ssh2',
    );
    const r = await searchUntil(k, k.readKey, { q: 'source.ip:203.0.113.77' }, (x) => x.total >= 1);
    assert.equal(r.total, 1);
    const e = r.events[0] as Record<string, any>;
    assert.equal(e.user.name, 'oracle');
    assert.equal(e.event.outcome, 'failure');
    assert.equal(e.source.port, 52211);
    assert.equal(e.process.name, 'sshd');
    assert.equal(e.kyoka.source, 'syslog');
    assert.match(e.event.original, /Failed password for invalid user oracle/);
    assert.equal(e.observer.ip, '127.0.0.1');
  });

  it('logger over TCP, LF framing (RFC 3164) and octet counting (RFC 5424)', async () => {
    logger(
      k.syslogTcpPort,
      ['--tcp', '--rfc3164'],
      'sudo',
      '   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id',
    );
    logger(
      k.syslogTcpPort,
      ['--tcp', '--octet-count', '--rfc5424', '--sd-id', 'origin@32473', '--sd-param', 'software="kyoka-test"'],
      'vsftpd',
      'octet-counted hello',
    );
    const sudo = await searchUntil(k, k.readKey, { q: 'process.name:sudo and user.name:alice' }, (x) => x.total >= 1);
    assert.equal(sudo.total, 1);
    assert.match(JSON.stringify(sudo.events[0]), /\/usr\/bin\/id/);
    const oc = await searchUntil(k, k.readKey, { q: '"octet-counted hello"' }, (x) => x.total >= 1);
    assert.equal(oc.total, 1);
    const sd = (oc.events[0] as Record<string, any>).log.syslog.structured_data;
    assert.deepEqual(sd['origin@32473'], { software: 'kyoka-test' });
  });

  it('rsyslog forwards to Kyoka over TCP with octet counting', {
    skip: !RSYSLOGD && !process.env.CI ? 'rsyslogd not installed' : false,
  }, async () => {
    assert.ok(RSYSLOGD, 'rsyslogd is required in CI');
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-rsyslog-'));
    const inPort = await freePort();
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      [
        `global(workDirectory="${dir}")`,
        'module(load="imtcp")',
        `input(type="imtcp" port="${inPort}" address="127.0.0.1" ruleset="fwd")`,
        'ruleset(name="fwd") {',
        `  action(type="omfwd" target="127.0.0.1" port="${k.syslogTcpPort}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`,
        '}',
      ].join('\n'),
    );
    const rs = spawn(RSYSLOGD as string, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslog.pid')], {
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      for (let i = 0; i < 5; i++) {
        logger(
          inPort,
          ['--tcp', '--rfc3164'],
          'sshd',
          `Accepted publickey for deploy from 192.0.2.${10 + i} port 4022${i} ssh2: ED25519 SHA256:abc${i}`,
        );
      }
      const r = await searchUntil(
        k,
        k.readKey,
        { q: 'user.name:deploy and source.ip:192.0.2.0/24' },
        (x) => x.total >= 5,
        15_000,
      );
      assert.equal(r.total, 5);
      const e = r.events[0] as Record<string, any>;
      assert.equal(e.event.outcome, 'success');
      assert.equal(e.log.syslog.appname, 'sshd');
    } finally {
      rs.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes OpenCanary's syslog output (Python SysLogHandler: trailing NUL) as OpenCanary events", async () => {
    const { createSocket } = await import('node:dgram');
    const line = JSON.stringify({
      dst_host: '10.0.0.5',
      dst_port: 21,
      local_time: '2026-11-21 10:00:00.000000',
      local_time_adjusted: '2026-11-21 10:00:00.000000',
      logdata: { PASSWORD: 'hunter2', USERNAME: 'ftpadmin' },
      logtype: 2000,
      node_id: 'canary-7',
      src_host: '192.0.2.99',
      src_port: 40123,
      utc_time: '2026-11-21 10:00:00.000000',
    });
    const sock = createSocket('udp4');
    const dgram = Buffer.from(`<134>opencanaryd[812]: ${line}\x00`);
    await new Promise<void>((r) => sock.send(dgram, k.syslogUdpPort, '127.0.0.1', () => r()));
    sock.close();
    const r = await searchUntil(
      k,
      k.readKey,
      { q: 'observer.name:canary-7', from: '2026-11-01T00:00:00Z' },
      (x) => x.total >= 1,
    );
    assert.equal(r.total, 1);
    const e = r.events[0] as Record<string, any>;
    assert.equal(e.event.action, 'ftp.login_attempt');
    assert.equal(e.user.name, 'ftpadmin');
    assert.equal(e.source.ip, '192.0.2.99');
    assert.equal(e.kyoka.credentials.password, 'hunter2');
  });

  it('counts malformed and binary syslog input and keeps serving', async () => {
    const { createSocket } = await import('node:dgram');
    const sock = createSocket('udp4');
    const junk = Buffer.from([0, 1, 2, 3, 0xff, 0]);
    for (let i = 0; i < 200; i++)
      await new Promise<void>((r) => sock.send(junk, k.syslogUdpPort, '127.0.0.1', () => r()));
    sock.close();
    const net = await import('node:net');
    await new Promise<void>((resolve) => {
      const c = net.connect(k.syslogTcpPort, '127.0.0.1', () => {
        c.write('99999999 <13>truncated frame that lies about its length');
        c.end();
      });
      c.on('close', () => resolve());
    });
    // 10k malformed lines over TCP: control bytes, no syslog at all.
    await new Promise<void>((resolve) => {
      const c = net.connect(k.syslogTcpPort, '127.0.0.1', () => {
        let junk = '';
        const ctl = () => String.fromCharCode(1 + Math.floor(Math.random() * 8)); // 0x01..0x08
        for (let i = 0; i < 10_000; i++) junk += `${Array.from({ length: 30 }, ctl).join('')}\n`;
        c.end(junk);
      });
      c.on('close', () => resolve());
    });
    logger(k.syslogUdpPort, ['--udp'], 'app', 'still alive after junk');
    const r = await searchUntil(k, k.readKey, { q: '"still alive after junk"' }, (x) => x.total >= 1);
    assert.equal(r.total, 1);
    const metrics = await (
      await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${k.readKey}` } })
    ).text();
    const failures = (reason: string) =>
      Number(
        new RegExp(`kyoka_ingest_parse_failures_total\\{source="syslog",reason="${reason}"\\} (\\d+)`).exec(
          metrics,
        )?.[1] ?? 0,
      );
    assert.ok(failures('binary') >= 200, `binary datagrams counted (${failures('binary')})`);
    assert.ok(failures('invalid') >= 10_000, `malformed lines counted (${failures('invalid')})`);
    assert.ok(failures('framing') >= 1, 'the lying octet count is counted');
  });
});
