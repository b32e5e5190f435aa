import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOpencanaryParser, OPENCANARY_LOGTYPES, redisCredentials } from './opencanary.ts';
import { cleanValue, MAX_VALUE } from './opencanary-message.ts';
import type { AnyEvent } from './programs/test-helpers.ts';

const ctx = { receivedAt: new Date('2026-11-21T12:00:00Z'), sourceName: 'sensor' };
const p = createOpencanaryParser();
const one = (line: string | Record<string, unknown>) => {
  const evs = p.parse(line, ctx);
  assert.equal(evs.length, 1);
  return evs[0] as AnyEvent;
};

/** Python's json.dumps(v, sort_keys=True) (ensure_ascii, ", " and ": "), as OpenCanary writes. */
function pyDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${pyDumps(k)}: ${pyDumps((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  if (typeof v === 'string')
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(v);
}

/** A line exactly as OpenCanary / the Kyoka sensor writes it. */
function line(logtype: number, dport: number, logdata: Record<string, unknown>, src = '203.0.113.7'): string {
  const t = '2026-11-21 09:00:01.000001';
  return pyDumps({
    dst_host: '127.0.0.1',
    dst_port: dport,
    local_time: t,
    local_time_adjusted: '2026-11-21 10:00:01.000001',
    logdata,
    logtype,
    node_id: 'kyoka-local',
    src_host: src,
    src_port: src ? 40000 : -1,
    utc_time: t,
  });
}

// Real lines from seed 003 (OpenCanary 0.x), byte for byte.
const SEED = {
  ssh4000:
    '{"dst_host": "172.18.200.58", "dst_port": 2222, "local_time": "2019-01-07 13:54:27.811101", "logdata": {"SESSION": "3"}, "logtype": 4000, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 54639}',
  mysql:
    '{"dst_host": "172.18.200.58", "dst_port": 3306, "local_time": "2019-01-07 13:58:25.922257", "logdata": {"PASSWORD": "18076c09615de80ddb2903191b783714918b4c4f", "USERNAME": "root"}, "logtype": 8001, "node_id": "opencanary-1", "src_host": "172.18.220.253", "src_port": 46662}',
  httpproxy:
    '{"dst_host": "172.18.200.58", "dst_port": 8080, "local_time": "2019-01-07 13:26:47.761297", "logdata": {"PASSWORD": "passsquid", "USERNAME": "squidadmin"}, "logtype": 7001, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 53798}',
  tcpbanner:
    '{"dst_host": "192.168.1.6", "dst_port": 8001, "local_time": "2019-01-05 17:18:51.601478", "logdata": {"BANNER_ID": "1", "DATA": "", "FUNCTION": "CONNECTION_MADE"}, "logtype": 18002, "node_id": "opencanary-1", "src_host": "192.168.1.3", "src_port": 59176}',
  telnet:
    '{"dst_host": "172.18.200.58", "dst_port": 23, "honeycred": false, "local_time": "2019-01-07 13:56:45.341785", "logdata": {"PASSWORD": "admin888", "USERNAME": "admin123"}, "logtype": 6001, "node_id": "opencanary-1", "src_host": "172.18.205.14", "src_port": 54676}',
  git: '{"dst_host": "192.168.1.7", "dst_port": 9418, "local_time": "2019-01-05 15:38:46.368627", "logdata": {"HOST": "192.168.1.7:9418", "REPO": "tmp.git"}, "logtype": 16001, "node_id": "opencanary-1", "src_host": "192.168.1.3", "src_port": 57606}',
  vnc: '{"dst_host": "192.168.1.7", "dst_port": 5000, "local_time": "2019-01-06 08:21:28.951940", "logdata": {"VNC Client Response": "58c00be9ee5b7f3b666771dd2bda9309", "VNC Password": "<Password was not in the common list>", "VNC Server Challenge": "953e2dff7e4d3a3114527c282817ce1d"}, "logtype": 12001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": 54634}',
  sip: '{"dst_host": "0.0.0.0", "dst_port": 5060, "local_time": "2019-01-06 09:55:12.578148", "logdata": {"HEADERS": {"call-id": ["1337@192.168.1.7"], "content-length": ["0"], "cseq": ["1 REGISTER"], "from": ["<sip:adminsip@192.168.1.7>"], "to": ["<sip:adminsip@192.168.1.7>"], "via": ["SIP/2.0/UDP 10.0.2.15:46759;received=192.168.1.7"]}}, "logtype": 15001, "node_id": "opencanary-1", "src_host": "192.168.1.7", "src_port": 46759}',
  snmp: '{"dst_host": "0.0.0.0", "dst_port": 161, "local_time": "2019-01-06 11:17:27.266214", "logdata": {"COMMUNITY_STRING": "password", "REQUESTS": ["1.3.6.1.2.1.1.1"]}, "logtype": 13001, "node_id": "opencanary-1", "src_host": "192.168.1.7", "src_port": 47112}',
  rdp: '{"dst_host": "192.168.1.7", "dst_port": 3389, "local_time": "2019-01-06 08:59:13.890934", "logdata": {"DOMAIN": "", "HOSTNAME": "HelloHost", "PASSWORD": "helloword", "USERNAME": "administrator1"}, "logtype": 14001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": 59955}',
  ntp: '{"dst_host": "0.0.0.0", "dst_port": 123, "local_time": "2019-01-05 15:58:52.075987", "logdata": {"NTP CMD": "monlist"}, "logtype": 11001, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": 57886}',
  nmapFin:
    '{"dst_host": "192.168.1.7", "dst_port": "23", "local_time": "2019-01-06 16:46:18.336954", "logdata": {"FIN": "", "ID": "29768", "IN": "eth1", "LEN": "40", "MAC": "08:00:27:da:4c:e2:6c:96:cf:dd:ee:bd:08:00", "OUT": "", "PREC": "0x00", "PROTO": "TCP", "RES": "0x00", "TOS": "0x00", "TTL": "59", "URGP": "0", "WINDOW": "1024"}, "logtype": 5005, "node_id": "opencanary-1", "src_host": "192.168.1.6", "src_port": "35116"}',
};

// What `kyoka start`'s local sensor writes at startup (runtime.ts; OpenCanary's own wording).
const STARTUP = [
  line(1001, -1, { msg: { logdata: 'Added service from class CanaryFTP in opencanary.modules.ftp to fake' } }, ''),
  line(1001, -1, { msg: { logdata: 'Canary running!!!' } }, ''),
  line(1002, -1, { msg: { logdata: 'debug: 8 services' } }, ''),
  line(1003, -1, { msg: { logdata: 'redis: port 6379 busy' } }, ''),
  line(1004, -1, {}, ''),
  line(1000, -1, {}, ''),
  line(1005, -1, {}, ''),
  line(1006, -1, {}, ''),
];

describe('opencanary system records are not honeypot interactions', () => {
  it('gives 1000-1006 their own dataset and no honeypot service', () => {
    for (const l of STARTUP) {
      const ev = one(l);
      assert.equal(ev.event.dataset, 'opencanary.system', l);
      assert.equal(ev.event.module, 'opencanary');
      assert.equal(ev.event.original, l);
      assert.match(ev.event.action, /^system\./);
      assert.equal(ev.kyoka.honeypot, undefined);
      assert.equal(ev.kyoka.credentials, undefined);
      assert.equal(ev.source, undefined);
      assert.equal(ev.observer.name, 'kyoka-local');
      assert.equal(typeof ev.kyoka.opencanary.logtype, 'number');
    }
    assert.equal(one(STARTUP[0]!).message, 'Added service from class CanaryFTP in opencanary.modules.ftp to fake');
    assert.equal(one(STARTUP[1]!).message, 'Canary running!!!');
    assert.equal(one(STARTUP[4]!).message, 'opencanary ping');
  });

  it('keeps every interaction logtype in the opencanary dataset with its service', () => {
    for (const [lt, info] of Object.entries(OPENCANARY_LOGTYPES)) {
      const ev = one({ logtype: Number(lt), logdata: {} });
      if (Number(lt) < 2000) continue;
      assert.equal(ev.event.dataset, 'opencanary', lt);
      assert.equal(ev.kyoka.honeypot.service, info.service, lt);
    }
  });
});

describe('opencanary messages', () => {
  it('summarizes the all-in-one services instead of repeating the raw line', () => {
    const cases: Array<[string, string]> = [
      [line(2000, 21, { PASSWORD: 'foo@bar', USERNAME: 'anonymous' }), 'ftp login attempt: anonymous / foo@bar'],
      [line(2001, 21, {}), 'ftp auth attempt initiated'],
      [
        line(4002, 22, {
          LOCALVERSION: 'SSH-2.0-OpenSSH_5.1p1 Debian-4',
          PASSWORD: '123456',
          REMOTEVERSION: 'SSH-2.0-libssh2_1.11.0',
          USERNAME: 'root',
        }),
        'ssh login attempt: root / 123456',
      ],
      [
        line(4002, 22, {
          FINGERPRINT: 'SHA256:abc',
          KEY_TYPE: 'ssh-ed25519',
          LOCALVERSION: 'SSH-2.0-OpenSSH_5.1p1 Debian-4',
          REMOTEVERSION: 'SSH-2.0-OpenSSH_9.2',
          USERNAME: 'git',
        }),
        'ssh login attempt: git (public key ssh-ed25519 SHA256:abc)',
      ],
      [SEED.ssh4000, 'ssh new connection'],
      [
        line(4001, 22, { LOCALVERSION: 'SSH-2.0-OpenSSH_5.1p1 Debian-4', REMOTEVERSION: 'SSH-2.0-Go' }),
        'ssh client version: SSH-2.0-Go',
      ],
      [SEED.telnet, 'telnet login attempt: admin123 / admin888'],
      [line(6002, 23, {}), 'telnet connection'],
      [SEED.mysql, 'mysql login attempt: root / 18076c09615de80ddb2903191b783714918b4c4f'],
      [line(8001, 3306, { PASSWORD: null, USERNAME: 'root' }), 'mysql login attempt: root'],
      [line(9003, 3306, {}), 'mysql connection'],
      [SEED.httpproxy, 'httpproxy login attempt: squidadmin / passsquid'],
      [SEED.tcpbanner, 'tcpbanner keepalive connection'],
      [
        line(18005, 8001, { ALERT_STRING: 'ALERT', BANNER_ID: '1', DATA: 'ALERT me', FUNCTION: 'DATA_RECEIVED' }),
        'tcpbanner data: ALERT me (alert string matched)',
      ],
      [line(17001, 6379, { ARGS: 'secretpw', CMD: 'AUTH' }), 'AUTH secretpw'],
      [line(17001, 6379, { ARGS: '', CMD: 'COMMAND' }), 'COMMAND'],
      [
        line(3000, 80, { HOSTNAME: 'nas', PATH: '/index.html', SKIN: 'nasLogin', USERAGENT: 'curl/8' }),
        'http GET /index.html',
      ],
      [
        line(3001, 80, { PASSWORD: 'admin888', PATH: '/index.html', USERNAME: 'admin' }),
        'http login attempt: admin / admin888',
      ],
      [line(3002, 80, { PATH: '/index.html', REQUEST_TYPE: 'PUT' }), 'http PUT /index.html (method not implemented)'],
      [line(3003, 80, { PATH: '/' }), 'http GET / (redirect)'],
    ];
    for (const [l, msg] of cases) {
      const ev = one(l);
      assert.equal(ev.message, msg);
      assert.equal(ev.event.original, l);
    }
  });

  it('gives every other logtype a summary too', () => {
    const cases: Array<[string, string]> = [
      [SEED.git, 'git clone request: tmp.git on 192.168.1.7:9418'],
      [SEED.vnc, 'vnc login attempt (password not in the common list)'],
      [SEED.sip, 'sip request: 1 REGISTER from <sip:adminsip@192.168.1.7>'],
      [SEED.snmp, 'snmp request (community password): 1.3.6.1.2.1.1.1'],
      [SEED.rdp, 'rdp login attempt: administrator1'],
      [SEED.ntp, 'ntp monlist request'],
      [SEED.nmapFin, 'port scan: nmap FIN scan to port 23'],
      [line(10001, 69, { FILENAME: '/etc/passwd', MODE: 'octet', OPCODE: 'READ' }), 'tftp READ /etc/passwd'],
      [line(9001, 1433, { Password: 'sa123456', UserName: 'sa' }), 'mssql login attempt: sa / sa123456'],
      [
        line(20001, 27017, { action: 'mongodb.command', command: 'listDatabases', db: 'admin' }),
        'mongodb command: listDatabases on admin',
      ],
      [line(5000, 445, { FILENAME: 'secret.docx', USER: 'anonymous' }), 'smb file open: secret.docx by anonymous'],
      [
        line(19001, 5355, { query_hostname: 'fileserv', response: '10.0.0.66' }),
        'llmnr response for fileserv: 10.0.0.66',
      ],
      [line(99003, 1, {}), 'opencanary user module event 99003'],
      [line(4242, 1, {}), 'opencanary logtype 4242'],
    ];
    for (const [l, msg] of cases) assert.equal(one(l).message, msg);
  });

  it('never leaves a record without a message that differs from the raw line', () => {
    for (const lt of Object.keys(OPENCANARY_LOGTYPES)) {
      const l = line(Number(lt), 1, {});
      const ev = one(l);
      assert.equal(typeof ev.message, 'string', lt);
      assert.ok(ev.message.length > 0 && ev.message.length < 300, lt);
      assert.notEqual(ev.message, l);
    }
  });

  it('truncates attacker values and escapes control characters', () => {
    const long = 'A'.repeat(5000);
    const ev = one(line(4002, 22, { PASSWORD: long, USERNAME: 'root\r\nFAKE: ssh login success\u0000\u001b[31m' }));
    assert.equal(
      ev.message,
      `ssh login attempt: root\\r\\nFAKE: ssh login success\\x00\\x1b[31m / ${'A'.repeat(MAX_VALUE)}…`,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    assert.doesNotMatch(ev.message, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
    // the stored fields stay exactly what the attacker sent
    assert.equal(ev.kyoka.credentials.password, long);
    assert.equal(ev.user.name, 'root\r\nFAKE: ssh login success\u0000\u001b[31m');
    assert.equal(
      one(line(3000, 80, { PATH: '/a\u202egpj.exe\u2028x\tz\u007f' })).message,
      'http GET /a\\u202egpj.exe\\u2028x\\tz\\x7f',
    );
    assert.equal(one(line(17001, 6379, { ARGS: 'SET dir\n/tmp', CMD: 'CONFIG' })).message, 'CONFIG SET dir\\n/tmp');
  });

  it('cleanValue cuts on code points and ignores non-scalars', () => {
    const s = `${'x'.repeat(MAX_VALUE - 1)}😀tail`;
    assert.equal(cleanValue(s), `${'x'.repeat(MAX_VALUE - 1)}…`);
    assert.equal(cleanValue({ a: 1 }), '');
    assert.equal(cleanValue(null), '');
    assert.equal(cleanValue(21), '21');
  });
});

describe('opencanary credentials beyond USERNAME/PASSWORD', () => {
  it('maps Redis AUTH (password, and ACL user + password) like the other services', () => {
    const a = one(line(17001, 6379, { ARGS: 'secretpw', CMD: 'AUTH' }));
    assert.deepEqual(a.kyoka.credentials, { password: 'secretpw' });
    assert.equal(a.user, undefined);
    assert.equal(a.event.outcome, 'failure');
    assert.deepEqual(a.event.category, ['authentication', 'network', 'intrusion_detection']);
    assert.equal(a.event.action, 'redis.command');
    assert.equal(a.kyoka.opencanary.logdata.CMD, 'AUTH'); // what kyoka-bf-redis matches

    const b = one(line(17001, 6379, { ARGS: 'admin secretpw', CMD: 'AUTH' }));
    assert.deepEqual(b.kyoka.credentials, { username: 'admin', password: 'secretpw' });
    assert.equal(b.user.name, 'admin');

    const other = one(line(17001, 6379, { ARGS: 'dir /tmp', CMD: 'CONFIG' }));
    assert.equal(other.kyoka.credentials, undefined);
    assert.equal(other.event.outcome, undefined);
    assert.deepEqual(other.event.category, ['network', 'intrusion_detection']);
  });

  it('parses HELLO AUTH and the sensor truncation marker', () => {
    assert.deepEqual(redisCredentials('HELLO', '3 AUTH default s3cret SETNAME x'), {
      username: 'default',
      password: 's3cret',
    });
    assert.equal(redisCredentials('HELLO', '3'), undefined);
    assert.deepEqual(redisCredentials('auth', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa(and 12 more bytes)'), {
      truncated: true,
      password: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    });
    assert.equal(redisCredentials('AUTH', ''), undefined);
    assert.equal(redisCredentials('GET', 'k'), undefined);
  });

  it('maps the SNMP community string and the MongoDB user name', () => {
    const s = one(SEED.snmp);
    assert.deepEqual(s.kyoka.credentials, { password: 'password' });
    assert.equal(s.event.outcome, 'failure');
    const m = one(
      line(20001, 27017, {
        action: 'mongodb.auth_attempt',
        db: 'admin',
        mechanism: 'SCRAM-SHA-256',
        username: 'admin',
      }),
    );
    assert.deepEqual(m.kyoka.credentials, { username: 'admin' });
    assert.equal(m.user.name, 'admin');
    assert.equal(m.event.outcome, 'failure');
    assert.equal(m.event.action, 'mongodb.auth_attempt');
    assert.equal(m.message, 'mongodb login attempt: admin via SCRAM-SHA-256');
    const unknown = one(line(20001, 27017, { action: 'mongodb.auth_attempt', username: 'unknown' }));
    assert.equal(unknown.kyoka.credentials, undefined);
    assert.equal(unknown.event.outcome, 'failure');
  });

  it('keeps RDP, VNC, MSSQL and the others as before', () => {
    assert.deepEqual(one(SEED.rdp).kyoka.credentials, { username: 'administrator1', password: 'helloword' });
    assert.equal(one(SEED.vnc).kyoka.credentials, undefined);
    const v = one(
      line(12001, 5900, { 'VNC Client Response': 'aa', 'VNC Password': '123456', 'VNC Server Challenge': 'bb' }),
    );
    assert.deepEqual(v.kyoka.credentials, { password: '123456' });
    assert.equal(v.message, 'vnc login attempt: password 123456');
    assert.equal(one(SEED.git).kyoka.credentials, undefined);
    assert.equal(one(SEED.sip).kyoka.credentials, undefined);
  });
});
