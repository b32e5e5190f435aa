/**
 * Line parsers on real-format lines. The MariaDB lines were written by mariadbd 10.11.19
 * (Debian 12) with general_log on; the Redis lines by redis-server 7.0.15 MONITOR.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { journalEntryToEvent } from '../journald.ts';
import { createLineParser, createMysqlParser, mongodbLineToEvent, monitorToEvent, parseMonitorLine } from './index.ts';

const CTX = { receivedAt: new Date('2026-11-22T12:00:00Z'), sourceName: 'test' };
type Any = any;

describe('mysql / mariadb parser', () => {
  it('general log: connection, failed login, query with thread → client, quit', () => {
    const p = createMysqlParser();
    const lines = [
      'mariadbd, Version: 10.11.19-MariaDB-0+deb12u1-log (Debian 12). started with:',
      'Tcp port: 13399  Unix socket: /tmp/h2-maria.urp4/sock',
      'Time\t\t    Id Command\tArgument',
      '261122  3:09:35\t     4 Connect\tbob@127.0.0.1 on  using TCP/IP',
      "\t\t     4 Connect\tAccess denied for user 'bob'@'127.0.0.1' (using password: YES)",
      '\t\t     5 Connect\tbob@10.0.0.2 on shop using TCP/IP',
      '\t\t     5 Query\tSELECT DATABASE()',
      "\t\t     5 Init DB\tAccess denied for user 'bob'@'10.0.0.2' to database 'mysql'",
      '\t\t     5 Quit\t',
      "\t\t     6 Connect\tAccess denied for user 'evil' x'@'127.0.0.1' (using password: YES)",
    ];
    const evs = lines.map((l) => p.parse(l, CTX) as Any | undefined);
    assert.deepEqual(evs.slice(0, 3), [undefined, undefined, undefined], 'headers give no event');
    const [conn, denied, conn5, query, initDb, quit, evil] = evs.slice(3) as Any[];
    assert.equal(conn.event.action, 'mysql.connection');
    assert.equal(conn.event.outcome, undefined, 'a Connect line precedes authentication');
    assert.equal(conn['@timestamp'], '2026-11-22T03:09:35.000Z');
    assert.equal(denied.event.action, 'mysql.login_attempt');
    assert.equal(denied.event.outcome, 'failure');
    assert.deepEqual(denied.event.category, ['authentication']);
    assert.equal(denied.user.name, 'bob');
    assert.equal(denied.source.ip, '127.0.0.1');
    assert.equal(denied.event.dataset, 'mysql');
    assert.equal(conn5.kyoka.mysql.database, 'shop');
    assert.equal(query.event.action, 'mysql.query');
    assert.equal(query.kyoka.mysql.query, 'SELECT DATABASE()');
    assert.equal(query.source.ip, '10.0.0.2');
    assert.equal(query.user.name, 'bob');
    assert.equal(initDb.event.action, 'mysql.access_denied');
    assert.equal(initDb.kyoka.mysql.database, 'mysql');
    assert.equal(quit.event.action, 'mysql.disconnect');
    assert.equal(quit.source.ip, '10.0.0.2');
    assert.equal(evil.user.name, "evil' x");
    assert.equal(evil.event.original, lines[9]);
  });

  it('MySQL 8 general log and both error log formats', () => {
    const p = createMysqlParser();
    const g = p.parse('2026-11-22T03:09:35.123456Z\t    8 Connect\troot@192.0.2.9 on  using TCP/IP', CTX) as Any;
    assert.equal(g.event.action, 'mysql.connection');
    assert.equal(g.source.ip, '192.0.2.9');
    assert.equal(g['@timestamp'], '2026-11-22T03:09:35.123Z');
    const maria = p.parse(
      "2026-11-22  3:09:35 4 [Warning] Access denied for user 'bob'@'127.0.0.1' (using password: YES)",
      CTX,
    ) as Any;
    assert.equal(maria.event.action, 'mysql.login_attempt');
    assert.equal(maria.event.outcome, 'failure');
    assert.equal(maria['@timestamp'], '2026-11-22T03:09:35.000Z');
    assert.equal(maria.log.level, 'warning');
    const my8 = p.parse(
      "2026-11-22T03:09:35.123456Z 8 [Note] [MY-010926] [Server] Access denied for user 'root'@'198.51.100.4' (using password: NO)",
      CTX,
    ) as Any;
    assert.equal(my8.event.action, 'mysql.login_attempt');
    assert.equal(my8.source.ip, '198.51.100.4');
    assert.equal(my8.kyoka.mysql.using_password, false);
    const note = p.parse('2026-11-22  3:09:35 0 [Note] mariadbd: ready for connections.', CTX) as Any;
    assert.equal(note.event.action, 'mysql.message');
    const junk = p.parse('\u0000\u00ff garbage', CTX) as Any;
    assert.equal(junk.event.action, 'mysql.message');
  });
});

describe('mongodb parser', () => {
  it('connection accepted, auth failure (4.4 and 5.0+ shapes), success, other lines', () => {
    const acc = mongodbLineToEvent(
      '{"t":{"$date":"2026-11-21T10:00:01.123+00:00"},"s":"I",  "c":"NETWORK",  "id":22943,   "ctx":"listener","msg":"Connection accepted","attr":{"remote":"10.0.0.2:51234","uuid":"3b0c0b9e-1f1e-4f7e-9d4e-0a4f0c6f1a11","connectionId":5,"connectionCount":1}}',
      CTX,
    ) as Any;
    assert.equal(acc.event.action, 'mongodb.connection');
    assert.equal(acc.source.ip, '10.0.0.2');
    assert.equal(acc.source.port, 51234);
    assert.equal(acc['@timestamp'], '2026-11-21T10:00:01.123Z');
    assert.equal(acc.kyoka.mongodb.connection_id, 5);
    const f44 = mongodbLineToEvent(
      '{"t":{"$date":"2026-11-21T10:00:02.000+00:00"},"s":"I",  "c":"ACCESS",   "id":20249,   "ctx":"conn5","msg":"Authentication failed","attr":{"mechanism":"SCRAM-SHA-256","speculative":false,"principalName":"admin","authenticationDatabase":"admin","remote":"10.0.0.2:51234","extraInfo":{},"error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"}}',
      CTX,
    ) as Any;
    assert.equal(f44.event.action, 'mongodb.auth_attempt');
    assert.equal(f44.event.outcome, 'failure');
    assert.equal(f44.user.name, 'admin');
    assert.equal(f44.source.ip, '10.0.0.2');
    const f60 = mongodbLineToEvent(
      '{"t":{"$date":"2026-11-21T10:00:03.000+00:00"},"s":"I",  "c":"ACCESS",   "id":5286307, "ctx":"conn6","msg":"Failed to authenticate","attr":{"client":"[::1]:40000","isSpeculative":false,"isClusterMember":false,"mechanism":"SCRAM-SHA-256","user":"root","db":"admin","error":"AuthenticationFailed: SCRAM authentication failed, storedKey mismatch","result":18,"metrics":{},"extraInfo":{}}}',
      CTX,
    ) as Any;
    assert.equal(f60.event.action, 'mongodb.auth_attempt');
    assert.equal(f60.user.name, 'root');
    assert.equal(f60.source.ip, '::1');
    assert.equal(f60.source.port, 40000);
    const ok = mongodbLineToEvent(
      '{"t":{"$date":"2026-11-21T10:00:04.000+00:00"},"s":"I","c":"ACCESS","id":5286306,"ctx":"conn7","msg":"Successfully authenticated","attr":{"client":"10.0.0.3:1234","mechanism":"SCRAM-SHA-256","user":"app","db":"shop","result":0}}',
      CTX,
    ) as Any;
    assert.equal(ok.event.action, 'mongodb.auth_success');
    assert.equal(ok.event.outcome, 'success');
    const other = mongodbLineToEvent(
      '{"t":{"$date":"2026-11-21T10:00:05.000+00:00"},"s":"W","c":"CONTROL","id":22120,"ctx":"initandlisten","msg":"Access control is not enabled for the database"}',
      CTX,
    ) as Any;
    assert.equal(other.event.action, 'mongodb.message');
    assert.equal(other.log.level, 'warning');
    assert.equal((mongodbLineToEvent('not json {', CTX) as Any).event.action, 'mongodb.message');
    assert.equal((mongodbLineToEvent('{"__proto__":{"x":1},"msg":5}', CTX) as Any).event.action, 'mongodb.message');
  });
});

describe('redis MONITOR lines', () => {
  it('parses quoted arguments with escapes, the client, db and time', () => {
    const line = '1795316858.456943 [0 127.0.0.1:39260] "set" "k" "a\\"b\\nc\\\\d \\x01\\xc3\\xa9"';
    const m = parseMonitorLine(line);
    assert.ok(m);
    assert.deepEqual(m.args, ['set', 'k', 'a"b\nc\\d \u0001é']);
    assert.equal(m.client, '127.0.0.1:39260');
    assert.equal(m.time, 1795316858456);
    const ev = monitorToEvent(line, m, CTX) as Any;
    assert.equal(ev.event.action, 'redis.command');
    assert.equal(ev.kyoka.redis.command, 'SET');
    assert.equal(ev.source.ip, '127.0.0.1');
    assert.equal(ev.source.port, 39260);
    assert.equal(ev.network.protocol, 'redis');
  });

  it('CONFIG SET dir gives the message the Redis abuse rule matches', () => {
    const line = '+1732180000.123456 [0 10.0.0.2:51234] "CONFIG" "SET" "dir" "/tmp"';
    const ev = monitorToEvent(line, parseMonitorLine(line) as never, CTX) as Any;
    assert.equal(ev.message, 'CONFIG SET dir /tmp');
    assert.match(ev.message, /^config\s+set\s+(dir|dbfilename)\b/i);
    assert.equal(ev['@timestamp'], '2024-11-21T09:06:40.123Z');
  });

  it('IPv6, lua and unix clients; junk and cut lines never throw', () => {
    assert.equal(parseMonitorLine('1.5 [3 [::1]:6000] "PING"')?.client, '[::1]:6000');
    const lua = parseMonitorLine('1795316858.468271 [0 lua] "set" "x" "1"');
    assert.equal(lua?.client, 'lua');
    const ev = monitorToEvent('x', lua as never, CTX) as Any;
    assert.equal(ev.source, undefined);
    assert.equal(ev.kyoka.redis.client, 'lua');
    assert.equal(parseMonitorLine('+OK'), undefined);
    assert.equal(parseMonitorLine('\u0000\u0001'), undefined);
    const cut = parseMonitorLine('1.000001 [0 1.2.3.4:5] "SET" "k" "unterminated');
    assert.deepEqual(cut?.args, ['SET', 'k', 'unterminated']);
    assert.equal(cut?.truncated, true);
  });
});

describe('file formats through createLineParser', () => {
  it('vsftpd.log and rsyncd.log lines reuse the core program parsers', () => {
    const ftp = createLineParser('vsftpd')(
      'Sat Nov 21 10:00:01 2026 [pid 1234] [ftp] FAIL LOGIN: Client "::ffff:10.0.0.2"',
      CTX,
    ) as Any;
    assert.equal(ftp.event.action, 'vsftpd.login_failure');
    assert.equal(ftp.user.name, 'ftp');
    assert.equal(ftp.source.ip, '10.0.0.2');
    const rs = createLineParser('rsyncd');
    assert.equal((rs('2026/11/21 10:00:01 [1234] connect from UNKNOWN (10.0.0.2)', CTX) as Any).source.ip, '10.0.0.2');
    assert.equal(
      (rs('2026/11/21 10:00:02 [1234] rsync on mod/ from UNKNOWN (10.0.0.2)', CTX) as Any).event.action,
      'rsyncd.read_request',
    );
    assert.equal(
      (rs('2026/11/21 10:00:03 [1234] rsync to mod/up/ from UNKNOWN (10.0.0.2)', CTX) as Any).event.action,
      'rsyncd.write_request',
    );
    const af = rs(
      '2026/11/21 10:00:04 [1235] auth failed on module mod from UNKNOWN (10.0.0.2): password mismatch',
      CTX,
    ) as Any;
    assert.equal(af.event.action, 'rsyncd.auth_failure');
    assert.equal(af.event.outcome, 'failure');
    // rsync 3.2+ (this is rsync 3.5's real line) names the user
    const af2 = rs(
      '2026/11/22 03:25:16 [18125] auth failed on module data from localhost (127.0.0.1) for alice: password mismatch',
      CTX,
    ) as Any;
    assert.equal(af2.event.action, 'rsyncd.auth_failure');
    assert.equal(af2.user.name, 'alice');
    assert.equal(af2.source.ip, '127.0.0.1');
    assert.equal(af2.event.original.endsWith('for alice: password mismatch'), true);
  });

  it('sshd: auth.log lines (both header styles) and bare sshd -E lines', () => {
    const p = createLineParser('sshd');
    const a = p(
      'Nov 21 10:00:01 web1 sshd[1234]: Failed password for invalid user admin from 10.0.0.2 port 51234 ssh2',
      CTX,
    ) as Any;
    assert.equal(a.event.action, 'sshd.login_failure');
    assert.equal(a.user.name, 'admin');
    assert.equal(a.source.ip, '10.0.0.2');
    const b = p(
      '2026-11-21T10:00:01.123456+00:00 web1 sshd[1234]: Invalid user oracle from 10.0.0.3 port 4000',
      CTX,
    ) as Any;
    assert.equal(b.event.action, 'sshd.invalid_user');
    const c = p('Failed password for root from 10.0.0.4 port 22 ssh2', CTX) as Any;
    assert.equal(c.event.action, 'sshd.login_failure');
    assert.equal(c.source.ip, '10.0.0.4');
    assert.equal((p('\u0000\u00ff\u0001', CTX) as Any).event.action, 'sshd.message');
  });

  it('json lines and invalid json', () => {
    const p = createLineParser('json');
    const ev = p('{"event":{"action":"app.login"},"source":{"ip":"10.0.0.9"}}', CTX) as Any;
    assert.equal(ev.event.action, 'app.login');
    assert.equal((p('{nope', CTX) as Any).event.action, 'json.invalid');
  });

  it('journald entries: sshd MESSAGE, realtime timestamp, pid, byte-array messages', () => {
    const ev = journalEntryToEvent(
      {
        __CURSOR: 's=1;i=2',
        __REALTIME_TIMESTAMP: '1795316858456943',
        _PID: '4321',
        SYSLOG_IDENTIFIER: 'sshd',
        _HOSTNAME: 'web1',
        MESSAGE: 'Failed password for root from 10.0.0.2 port 40000 ssh2',
      },
      'sshd',
      CTX,
    ) as Any;
    assert.equal(ev.event.action, 'sshd.login_failure');
    assert.equal(ev.process.pid, 4321);
    assert.equal(ev['@timestamp'], '2026-11-22T03:07:38.456Z');
    assert.equal(ev.event.module, 'journald');
    const bytes = journalEntryToEvent(
      { SYSLOG_IDENTIFIER: 'sshd', MESSAGE: [...Buffer.from('Invalid user \u00e9 from 10.0.0.5 port 1')] },
      'syslog',
      CTX,
    ) as Any;
    assert.equal(bytes.event.action, 'sshd.invalid_user');
    assert.equal(journalEntryToEvent({ MESSAGE: null }, 'syslog', CTX), undefined);
  });
});
