import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KyokaError } from '../errors/index.ts';
import { createOpencanaryParser, OPENCANARY_LOGTYPES } from './opencanary.ts';
import type { AnyEvent } from './programs/test-helpers.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'canary-file' };
const p = createOpencanaryParser();
const one = (line: string | Record<string, unknown>) => {
  const evs = p.parse(line, ctx);
  assert.equal(evs.length, 1);
  return evs[0] as AnyEvent;
};

// Real OpenCanary lines (seed 003 / OpenCanary docs), byte for byte.
const FTP =
  '{"dst_host": "192.168.0.6", "dst_port": 21, "local_time": "2019-01-07 13:47:45.817940", "logdata": {"PASSWORD": "123456", "USERNAME": "test"}, "logtype": 2000, "node_id": "opencanary-1", "src_host": "192.168.0.5", "src_port": 35990}';
const HTTP =
  '{"dst_host": "172.18.200.58", "dst_port": 80, "local_time": "2019-01-07 13:47:45.817940", "logdata": {"HOSTNAME": "172.18.200.58", "PASSWORD": "admin888", "PATH": "/index.html", "SKIN": "nasLogin", "USERAGENT": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:61.0) Gecko/20100101 Firefox/61.0", "USERNAME": "admin"}, "logtype": 3001, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 54488}';
const TELNET =
  '{"dst_host": "172.18.200.58", "dst_port": 23, "honeycred": false, "local_time": "2019-01-07 13:56:45.341785", "logdata": {"PASSWORD": "admin888", "USERNAME": "admin123"}, "logtype": 6001, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 54676}';
const NTP =
  '{"dst_host": "0.0.0.0", "dst_port": 123, "local_time": "2019-01-05 15:58:52.075987", "logdata": {"NTP CMD": "monlist"}, "logtype": 11001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": 57886}';
const REDIS =
  '{"dst_host": "192.168.1.7", "dst_port": 6379, "local_time": "2019-01-05 16:05:11.637269", "logdata": {"ARGS": "", "CMD": "COMMAND"}, "logtype": 17001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": 34471}';
const PORTSCAN =
  '{"dst_host": "192.168.1.7", "dst_port": "21", "local_time": "2019-01-06 16:35:24.190176", "logdata": {"ID": "51918", "IN": "eth1", "LEN": "56", "MAC": "08:00:27:da:4c:e2:6c:96:cf:dd:ee:bd:08:00", "OUT": "", "PREC": "0x00", "PROTO": "TCP", "RES": "0x00", "SYN": "", "TOS": "0x00", "TTL": "58", "URGP": "0", "WINDOW": "512"}, "logtype": 5001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": "40088"}';
const MSSQL =
  '{"dst_host": "172.18.200.58", "dst_port": 1433, "local_time": "2019-01-07 09:04:58.690137", "logdata": {"AppName": "SQLPro for MSSQL (hankinsoft.com)", "CltIntName": "DB-Library", "Database": "test", "HostName": "Piroguehost", "Language": "us_english", "Password": "sa123456", "ServerName": "172.18.200.58:1433", "UserName": "sa"}, "logtype": 9001, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 64344}';
const STARTUP =
  '{"dst_host": "", "dst_port": -1, "local_time": "2026-11-21 09:00:00.000001", "local_time_adjusted": "2026-11-21 10:00:00.000001", "logdata": {"msg": {"logdata": "Canary running!!!"}}, "logtype": 1001, "node_id": "opencanary-1", "src_host": "", "src_port": -1, "utc_time": "2026-11-21 09:00:00.000001"}';

describe('opencanary parser', () => {
  it('maps the FTP login attempt from seed 003', () => {
    const ev = one(FTP);
    assert.equal(ev['@timestamp'], '2019-01-07T13:47:45.817Z');
    assert.equal(ev.event.action, 'ftp.login_attempt');
    assert.equal(ev.event.outcome, 'failure');
    assert.deepEqual(ev.event.category, ['authentication', 'intrusion_detection']);
    assert.equal(ev.event.dataset, 'opencanary');
    assert.equal(ev.event.original, FTP);
    assert.equal(ev.kyoka.source, 'canary-file');
    assert.equal(ev.kyoka.honeypot.service, 'ftp');
    assert.deepEqual(ev.kyoka.credentials, { username: 'test', password: '123456' });
    assert.equal(ev.user.name, 'test');
    assert.deepEqual(ev.kyoka.opencanary, {
      logtype: 2000,
      logdata: { PASSWORD: '123456', USERNAME: 'test' },
      node_id: 'opencanary-1',
    });
    assert.deepEqual(ev.observer, { name: 'opencanary-1', type: 'honeypot' });
    assert.deepEqual(ev.source, { ip: '192.168.0.5', port: 35990 });
    assert.deepEqual(ev.destination, { ip: '192.168.0.6', port: 21 });
    assert.equal(ev.network.transport, 'tcp');
    assert.equal(ev.id, undefined);
  });

  it('maps HTTP POST login with user agent and URL', () => {
    const ev = one(HTTP);
    assert.equal(ev.event.action, 'http.post_login_attempt');
    assert.equal(ev.http.request.method, 'POST');
    assert.match(ev.user_agent.original, /^Mozilla\/5\.0 \(Macintosh/);
    assert.deepEqual(ev.url, { domain: '172.18.200.58', path: '/index.html' });
    assert.equal(ev.kyoka.credentials.password, 'admin888');
  });

  it('keeps honeycred, drops the 0.0.0.0 bind address, sets messages', () => {
    assert.equal(one(TELNET).kyoka.credentials.honeycred, false);
    const ntp = one(NTP);
    assert.equal(ntp.event.action, 'ntp.monlist');
    assert.deepEqual(ntp.destination, { port: 123 });
    assert.equal(ntp.network.transport, 'udp');
    assert.equal(one(REDIS).message, 'COMMAND');
  });

  it('accepts string ports of portscan lines', () => {
    const ev = one(PORTSCAN);
    assert.equal(ev.event.action, 'portscan.syn');
    assert.equal(ev.source.port, 40088);
    assert.equal(ev.destination.port, 21);
    assert.equal(ev.network.transport, 'tcp');
  });

  it('reads MSSQL credentials and uses utc_time; -1 ports and empty hosts are absent', () => {
    const ms = one(MSSQL);
    assert.equal(ms.event.action, 'mssql.login_sqlauth');
    assert.equal(ms.user.name, 'sa');
    assert.equal(ms.kyoka.credentials.password, 'sa123456');
    const st = one(STARTUP);
    assert.equal(st['@timestamp'], '2026-11-21T09:00:00.000Z');
    assert.equal(st.event.action, 'system.msg');
    assert.equal(st.message, 'Canary running!!!');
    assert.equal(st.source, undefined);
    assert.equal(st.destination, undefined);
  });

  it('accepts an already-parsed object and keeps a JSON original', () => {
    const obj = JSON.parse(FTP);
    const ev = one(obj);
    assert.deepEqual(JSON.parse(ev.event.original), obj);
    assert.equal(ev.source.ip, '192.168.0.5');
  });

  it('maps every documented logtype to a distinct action', () => {
    const types = [
      ...[1000, 1001, 1002, 1003, 1004, 1005, 1006, 2000, 2001, 3000, 3001, 3002, 3003, 4000, 4001, 4002],
      ...[5000, 5001, 5002, 5003, 5004, 5005, 6001, 6002, 7001, 8001, 9001, 9002, 9003, 10001, 11001, 12001],
      ...[13001, 14001, 15001, 16001, 17001, 18001, 18002, 18003, 18004, 18005, 19001, 20001],
      ...Array.from({ length: 10 }, (_, i) => 99000 + i),
    ];
    const actions = new Set<string>();
    for (const t of types) {
      const info = OPENCANARY_LOGTYPES[t];
      assert.ok(info, `logtype ${t}`);
      assert.match(info.action, /^[a-z]+\.[a-z0-9_]+$/);
      actions.add(info.action);
      const ev = one({ logtype: t, logdata: {}, src_host: '::ffff:198.51.100.3', src_port: 1 });
      assert.equal(ev.event.action, info.action);
      assert.equal(ev.source.ip, '198.51.100.3');
    }
    assert.equal(actions.size, types.length);
    assert.equal(OPENCANARY_LOGTYPES[99003]?.action, 'user.99003');
  });

  it('uses the mongodb action from logdata and tolerates unknown logtypes', () => {
    assert.equal(
      one({ logtype: 20001, logdata: { action: 'mongodb.auth_attempt' } }).event.action,
      'mongodb.auth_attempt',
    );
    assert.equal(one({ logtype: 20001, logdata: { action: 'x; drop' } }).event.action, 'mongodb.event');
    assert.equal(one({ logtype: 4242 }).event.action, 'opencanary.4242');
  });

  it('refuses input without a logtype', () => {
    assert.throws(
      () => p.parse('{"a":1}', ctx),
      (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
    );
    assert.throws(
      () => p.parse('not json', ctx),
      (e) => e instanceof KyokaError && e.code === 'KYOKA_E_BAD_EVENT',
    );
  });

  it('drops an invalid src_host rather than storing it as an IP', () => {
    const ev = one({ logtype: 4000, src_host: '999.1.1.1', src_port: 22 });
    assert.equal(ev.source.ip, undefined);
    assert.equal(ev.source.address, '999.1.1.1');
  });
});
