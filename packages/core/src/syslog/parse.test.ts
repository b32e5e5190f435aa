import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferYear, parseSyslog } from './parse.ts';

const RECV = new Date('2026-11-21T12:00:00Z');

describe('parseSyslog RFC 5424', () => {
  it('parses the RFC 5424 example with structured data and BOM', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] \uFEFFAn application event log entry...';
    const m = parseSyslog(line);
    assert.equal(m.format, '5424');
    assert.equal(m.facility, 20);
    assert.equal(m.facilityName, 'local4');
    assert.equal(m.severity, 5);
    assert.equal(m.severityName, 'notice');
    assert.equal(m.timestamp?.toISOString(), '2003-10-11T22:14:15.003Z');
    assert.equal(m.hostname, 'mymachine.example.com');
    assert.equal(m.appName, 'evntslog');
    assert.equal(m.procId, undefined);
    assert.equal(m.msgId, 'ID47');
    assert.deepEqual(m.structuredData, {
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
    assert.equal(m.message, 'An application event log entry...');
    assert.equal(m.malformed, false);
  });

  it('handles NILVALUEs, offsets and no message', () => {
    const m = parseSyslog('<34>1 2003-10-11T22:14:15.003-07:00 - - - - -');
    assert.equal(m.timestamp?.toISOString(), '2003-10-12T05:14:15.003Z');
    assert.equal(m.hostname, undefined);
    assert.equal(m.appName, undefined);
    assert.equal(m.structuredData, undefined);
    assert.equal(m.message, '');
    const n = parseSyslog('<34>1 - host app 123 - - msg');
    assert.equal(n.timestamp, undefined);
    assert.equal(n.procId, '123');
    assert.equal(n.message, 'msg');
  });

  it('decodes SD escapes and repeated params', () => {
    const m = parseSyslog(
      '<14>1 2026-01-01T00:00:00Z h a - - [origin ip="192.0.2.1" ip="192.0.2.2"][x@1 q="a \\"b\\" \\\\ c \\] d" r="\\n"] hi',
    );
    assert.deepEqual(m.structuredData, {
      origin: { ip: ['192.0.2.1', '192.0.2.2'] },
      'x@1': { q: 'a "b" \\ c ] d', r: '\\n' },
    });
    assert.equal(m.message, 'hi');
  });

  it('keeps text when SD is broken', () => {
    const m = parseSyslog('<14>1 2026-01-01T00:00:00Z h a - - [oops no-equals] text');
    assert.equal(m.structuredData, undefined);
    assert.equal(m.message, '[oops no-equals] text');
  });

  it('accepts microsecond timestamps from rsyslog', () => {
    const m = parseSyslog('<86>1 2026-11-21T10:00:00.123456+01:00 web01 sshd 4242 - - Accepted');
    assert.equal(m.timestamp?.toISOString(), '2026-11-21T09:00:00.123Z');
    assert.equal(m.message, 'Accepted');
  });
});

describe('parseSyslog RFC 3164', () => {
  it('parses a classic BSD line', () => {
    const m = parseSyslog(
      '<38>Nov 21 10:00:00 web01 sshd[1234]: Failed password for root from 203.0.113.5 port 41234 ssh2',
      { receivedAt: RECV },
    );
    assert.equal(m.format, '3164');
    assert.equal(m.facilityName, 'auth');
    assert.equal(m.severityName, 'info');
    assert.equal(m.timestamp?.toISOString(), '2026-11-21T10:00:00.000Z');
    assert.equal(m.hostname, 'web01');
    assert.equal(m.appName, 'sshd');
    assert.equal(m.procId, '1234');
    assert.equal(m.message, 'Failed password for root from 203.0.113.5 port 41234 ssh2');
  });

  it('chooses last year for a December line received in January', () => {
    const m = parseSyslog('<13>Dec 31 23:59:59 h app: x', { receivedAt: new Date('2027-01-01T00:00:05Z') });
    assert.equal(m.timestamp?.toISOString(), '2026-12-31T23:59:59.000Z');
    const f = inferYear(0, 1, 0, 0, 1, 0, new Date('2026-12-31T23:59:00Z'));
    assert.equal(f.toISOString(), '2027-01-01T00:00:01.000Z', 'slightly ahead clock is next year');
  });

  it('handles space-padded days and missing hostname', () => {
    const m = parseSyslog('<13>Nov  1 08:05:09 su: (to root) alice on pts/0', { receivedAt: RECV });
    assert.equal(m.timestamp?.toISOString(), '2026-11-01T08:05:09.000Z');
    assert.equal(m.hostname, undefined);
    assert.equal(m.appName, 'su');
    assert.equal(m.message, '(to root) alice on pts/0');
  });

  it('defaults PRI to user.notice', () => {
    const m = parseSyslog('2026-11-21T10:00:00.123456+00:00 deb12 sudo:    alice : TTY=pts/0 ; COMMAND=/usr/bin/id');
    assert.equal(m.hasPri, false);
    assert.equal(m.priority, 13);
    assert.equal(m.facilityName, 'user');
    assert.equal(m.severityName, 'notice');
    assert.equal(m.timestamp?.toISOString(), '2026-11-21T10:00:00.123Z');
    assert.equal(m.hostname, 'deb12');
    assert.equal(m.appName, 'sudo');
    assert.equal(m.message, '   alice : TTY=pts/0 ; COMMAND=/usr/bin/id');
  });

  it('parses rsyslog RFC 3339 forwarding format', () => {
    const m = parseSyslog('<30>2026-11-21T10:00:00+02:00 fw1 vsftpd[77]: [ftpuser] OK LOGIN: Client "::ffff:1.2.3.4"');
    assert.equal(m.timestamp?.toISOString(), '2026-11-21T08:00:00.000Z');
    assert.equal(m.hostname, 'fw1');
    assert.equal(m.appName, 'vsftpd');
    assert.equal(m.procId, '77');
  });

  it('parses Python SysLogHandler output (no timestamp, padded pid, trailing NUL)', () => {
    const m = parseSyslog('<12>opencanaryd[2391 ]: opencanary-1 WARNING {"logtype": 1001}\x00');
    assert.equal(m.appName, 'opencanaryd');
    assert.equal(m.procId, '2391');
    assert.equal(m.hostname, undefined);
    assert.equal(m.severityName, 'warning');
    assert.equal(m.message, 'opencanary-1 WARNING {"logtype": 1001}');
  });

  it('keeps plain text as message', () => {
    const m = parseSyslog('<13>just some words here');
    assert.equal(m.appName, undefined);
    assert.equal(m.message, 'just some words here');
    assert.equal(m.malformed, false);
  });

  it('accepts a Buffer', () => {
    const m = parseSyslog(Buffer.from('<13>Nov 21 10:00:00 h app: héllo\n'), { receivedAt: RECV });
    assert.equal(m.message, 'héllo');
  });

  it('flags empty and binary input as malformed', () => {
    assert.equal(parseSyslog('').malformed, true);
    assert.equal(parseSyslog('   \n').malformed, true);
    assert.equal(parseSyslog(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 5, 6, 7, 8])).malformed, true);
  });

  it('treats an invalid PRI as absent', () => {
    const m = parseSyslog('<999>Nov 21 10:00:00 h app: x', { receivedAt: RECV });
    assert.equal(m.hasPri, false);
    assert.equal(m.message, '<999>Nov 21 10:00:00 h app: x');
  });

  it('finishes fast on pathological input', () => {
    const t0 = performance.now();
    for (const s of [
      `<13>1 - - - - - ${'['.repeat(100_000)}`,
      `<13>1 - - - - - [a ${'b="\\'.repeat(30_000)}`,
      `<13>Nov 21 10:00:00 ${'a'.repeat(100_000)}`,
      `<13>${'x['.repeat(50_000)}`,
    ]) {
      parseSyslog(s);
    }
    assert.ok(performance.now() - t0 < 200);
  });
});
