/**
 * The agent's collectors feed the same built-in rules as syslog ingest and the honeypot: real
 * lines of each service's own log, through the collectors' parsers and normalizeEvent, cross
 * the brute-force thresholds exactly as the server's replay tests expect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EventInput, type KyokaEvent, normalizeEvent, type ParseContext } from '@kyoka/core';
import { replay } from '@kyoka/server/detect/replay-helpers';
import { createLineParser, createMysqlParser, monitorToEvent, parseMonitorLine } from './index.ts';

const A = '203.0.113.9';
const CTX: ParseContext = { receivedAt: new Date('2026-11-22T12:00:00Z'), sourceName: 'agent' };
const norm = (e: EventInput | undefined): KyokaEvent[] =>
  e ? [normalizeEvent(e, { receivedAt: CTX.receivedAt.getTime(), source: 'agent' })] : [];
const six = [0, 1, 2, 3, 4, 5];

describe('agent-collected lines through the built-in rules', () => {
  it('vsftpd.log FAIL LOGIN ×6: FTP brute force', () => {
    const p = createLineParser('vsftpd');
    const lines = six.map((i) => `Sun Nov 22 10:00:0${i} 2026 [pid 4${i}] [root] FAIL LOGIN: Client "::ffff:${A}"`);
    assert.deepEqual(replay(lines.flatMap((l) => norm(p(l, CTX)))).summary, { 'kyoka-bf-ftp': [`6:ban ${A} 4h`] });
  });

  it('sshd in auth.log ×6: SSH brute force', () => {
    const p = createLineParser('sshd');
    const lines = six.map(
      (i) => `Nov 22 10:00:0${i} web1 sshd[90${i}]: Failed password for root from ${A} port 4000${i} ssh2`,
    );
    assert.deepEqual(replay(lines.flatMap((l) => norm(p(l, CTX)))).summary, { 'kyoka-bf-ssh': [`6:ban ${A} 4h`] });
  });

  it('MariaDB general log "Access denied" ×6: MySQL brute force', () => {
    const p = createMysqlParser();
    const lines = [
      `261122 10:00:00\t     4 Connect\troot@${A} on  using TCP/IP`,
      ...six.map((i) => `\t\t     ${4 + i} Connect\tAccess denied for user 'root'@'${A}' (using password: YES)`),
    ];
    const events = lines.flatMap((l) => norm(p.parse(l, CTX))).filter((e) => e.event?.action === 'mysql.login_attempt');
    assert.equal(events.length, 6);
    assert.deepEqual(replay(events).summary, { 'kyoka-bf-mysql': [`6:ban ${A} 4h`] });
  });

  it('mongod "Authentication failed" ×6: MongoDB brute force; successes do not count', () => {
    const p = createLineParser('mongodb');
    const fail = (i: number) =>
      `{"t":{"$date":"2026-11-22T10:00:0${i}.000+00:00"},"s":"I","c":"ACCESS","id":20249,"ctx":"conn${i}","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","principalName":"admin","authenticationDatabase":"admin","remote":"${A}:5123${i}","error":"AuthenticationFailed"}}`;
    const ok = (i: number) =>
      `{"t":{"$date":"2026-11-22T10:00:0${i}.000+00:00"},"s":"I","c":"ACCESS","id":5286306,"ctx":"conn${i}","msg":"Successfully authenticated","attr":{"client":"198.51.100.3:1234","mechanism":"SCRAM-SHA-256","user":"app","db":"shop","result":0}}`;
    const events = [...six.map(fail), ...six.map(ok)].flatMap((l) => norm(p(l, CTX)));
    assert.deepEqual(replay(events).summary, { 'kyoka-bf-mongodb': [`6:ban ${A} 4h`] });
  });

  it('Redis MONITOR: AUTH ×6 is brute force; CONFIG SET dir is abuse', () => {
    const mon = (i: number, cmd: string) => `+${1795860000 + i}.000000 [0 ${A}:5000${i}] ${cmd}`;
    const events = [
      ...six.map((i) => mon(i, '"AUTH" "guess"')),
      mon(7, '"CONFIG" "SET" "dir" "/var/spool/cron"'),
    ].flatMap((l) => {
      const m = parseMonitorLine(l);
      assert.ok(m, l);
      return norm(monitorToEvent(l, m, CTX));
    });
    const { summary } = replay(events);
    assert.deepEqual(summary['kyoka-bf-redis'], [`6:ban ${A} 4h`]);
    assert.ok(
      Object.keys(summary).some((id) => id.startsWith('kyoka-redis')),
      JSON.stringify(summary),
    );
  });
});
