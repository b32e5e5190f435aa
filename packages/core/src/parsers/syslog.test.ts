import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import type { AnyEvent } from './programs/test-helpers.ts';
import { createSyslogParser } from './syslog.ts';

const ctx = {
  receivedAt: new Date('2026-11-21T12:00:00Z'),
  sourceName: 'syslog-514',
  peerIp: '::ffff:10.0.0.9',
  transport: 'udp' as const,
};
const p = createSyslogParser();
const one = (line: string) => p.parse(line, ctx)[0] as AnyEvent;

describe('syslog parser', () => {
  it('maps syslog metadata and dispatches sshd', () => {
    const line =
      '<38>Nov 21 10:00:00 deb12 sshd[1234]: Failed password for invalid user admin from 203.0.113.5 port 41240 ssh2';
    const ev = one(line);
    assert.equal(ev['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(ev.event.original, line);
    assert.equal(ev.event.action, 'sshd.login_failure');
    assert.equal(ev.event.dataset, 'sshd');
    assert.equal(ev.event.severity, 6);
    assert.equal(ev.kyoka.source, 'syslog-514');
    assert.deepEqual(ev.log.syslog, {
      facility: { code: 4, name: 'auth' },
      severity: { code: 6, name: 'info' },
      priority: 38,
      hostname: 'deb12',
      appname: 'sshd',
      procid: '1234',
      version: 0,
    });
    assert.equal(ev.host.hostname, 'deb12');
    assert.deepEqual(ev.process, { name: 'sshd', pid: 1234 });
    assert.equal(ev.observer.ip, '10.0.0.9');
    assert.equal(ev.network.transport, 'udp');
    assert.equal(ev.user.name, 'admin');
    assert.deepEqual(ev.source, { ip: '203.0.113.5', port: 41240 });
    assert.equal(ev.message, 'Failed password for invalid user admin from 203.0.113.5 port 41240 ssh2');
  });

  it('parses a Debian 12 auth.log line (RFC 3339 time, no PRI)', () => {
    const ev = one(
      '2026-11-21T10:00:00.123456+00:00 deb12 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id',
    );
    assert.equal(ev['@timestamp'], '2026-11-21T10:00:00.123Z');
    assert.equal(ev.event.action, 'sudo.command');
    assert.equal(ev.log.syslog.priority, 13);
  });

  it('RFC 5424 with structured data', () => {
    const ev = one('<86>1 2026-11-21T10:00:00.5Z deb12 su 999 - [meta x="1"] FAILED SU (to root) alice on pts/0');
    assert.equal(ev.event.action, 'su.login_failure');
    assert.deepEqual(ev.log.syslog.structured_data, { meta: { x: '1' } });
    assert.equal(ev.log.syslog.version, 1);
  });

  it('delegates OpenCanary JSON (SysLogHandler format) to the opencanary parser', () => {
    const line =
      '<12>opencanaryd[2391 ]: opencanary-1 WARNING {"dst_host": "172.18.200.58", "dst_port": 2222, "local_time": "2019-01-07 13:54:27.811101", "logdata": {"SESSION": "3"}, "logtype": 4000, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 54639}\u0000';
    const ev = one(line);
    assert.equal(ev.event.action, 'ssh.new_connection');
    assert.equal(ev.event.dataset, 'opencanary');
    assert.equal(ev['@timestamp'], '2019-01-07T13:54:27.811Z');
    assert.equal(ev.observer.name, 'opencanary-1');
    assert.equal(ev.observer.ip, '10.0.0.9');
    assert.equal(ev.source.ip, '172.18.205.14');
    assert.equal(ev.log.syslog.appname, 'opencanaryd');
    assert.equal(ev.event.original, line);
    // And the bare JSON as MSG, as the seed's syslog_client sends it.
    const bare = one('<14>{"logtype": 2000, "logdata": {"USERNAME": "a", "PASSWORD": "b"}, "src_host": "192.0.2.1"}');
    assert.equal(bare.event.action, 'ftp.login_attempt');
    assert.equal(bare.kyoka.credentials.password, 'b');
  });

  it('merges other JSON payloads as generic fields', () => {
    const ev = one('<14>Nov 21 10:00:00 web app[1]: {"event":{"action":"app.login"},"user.name":"zoe"}');
    assert.equal(ev.event.action, 'app.login');
    assert.equal(ev.user.name, 'zoe');
    assert.equal(ev['@timestamp'], '2026-11-21T10:00:00.000Z');
    assert.equal(ev.process.name, 'app');
  });

  it('vsftpd over syslog keeps the syslog time', () => {
    const ev = one('<30>Nov 21 11:00:00 ftp1 vsftpd[88]: [ftpuser] FAIL LOGIN: Client "::ffff:1.2.3.4"');
    assert.equal(ev.event.action, 'vsftpd.login_failure');
    assert.equal(ev.source.ip, '1.2.3.4');
    assert.equal(ev['@timestamp'], '2026-11-21T11:00:00.000Z');
  });

  it('unknown programs give a plain syslog.message event', () => {
    const ev = one('<13>Nov 21 10:00:00 h cron[5]: (root) CMD (run-parts /etc/cron.hourly)');
    assert.equal(ev.event.action, 'syslog.message');
    assert.equal(ev.event.dataset, 'syslog');
    assert.equal(ev.message, '(root) CMD (run-parts /etc/cron.hourly)');
  });

  it('refuses empty and binary input, accepts {message}', () => {
    for (const bad of ['', '\u0000\u0001\u0002\u0003\u0004\u0005']) {
      assert.throws(
        () => p.parse(bad, ctx),
        (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
      );
    }
    assert.throws(
      () => p.parse({ nope: 1 }, ctx),
      (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
    );
    assert.equal((p.parse({ message: '<13>hello' }, ctx)[0] as AnyEvent).message, 'hello');
  });
});
