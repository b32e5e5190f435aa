/**
 * Replay tests for the built-in rule pack (rules/ at the repo root): real sshd, vsftpd,
 * rsyncd lines and honeypot (OpenCanary / Kyoka sensor) records, through the real parsers,
 * produce exactly the expected detections; whitelisted sources produce none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oc, opencanaryLines, programLines, replay, syslogLines } from './replay-helpers.ts';

const A = '203.0.113.5';
const USERS = ['root', 'admin', 'ubuntu', 'test', 'oracle', 'pi'];
const sshFails = (ip: string) =>
  USERS.map(
    (u, i) =>
      `Nov 21 10:00:0${i} web1 sshd[${2000 + i}]: Failed password for ${u === 'root' ? '' : 'invalid user '}${u} from ${ip} port ${40000 + i} ssh2`,
  );

describe('built-in rules: sshd', () => {
  it('6 failed passwords in 6 s: SSH brute force, ban 4 h', () => {
    const lines = [
      ...sshFails(A),
      `Nov 21 10:00:06 web1 sshd[2006]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${A}  user=root`,
      'Nov 21 10:00:07 web1 sshd[2007]: Accepted publickey for alice from 198.51.100.2 port 50000 ssh2: ED25519 SHA256:abc',
    ];
    const { summary, detections } = replay(syslogLines(lines));
    assert.deepEqual(summary, { 'kyoka-bf-ssh': [`6:ban ${A} 4h`] });
    assert.deepEqual(detections[0]?.rule.tags, ['TA0006', 'T1110']);
    assert.equal(detections[0]?.first, '2026-11-21T10:00:00.000Z');
    assert.equal(detections[0]?.last, '2026-11-21T10:00:05.000Z');
  });

  it('5 failures do not cross the threshold; failures 10 s apart leak away', () => {
    assert.deepEqual(replay(syslogLines(sshFails(A).slice(0, 5))).summary, {});
    const slow = USERS.map((u, i) => `Nov 21 10:0${i}:00 web1 sshd[1]: Failed password for ${u} from ${A} port 1 ssh2`);
    assert.deepEqual(replay(syslogLines(slow)).summary, {});
  });

  it('user enumeration and credential stuffing (many user names)', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    const lines = names.map(
      (u, i) =>
        `Nov 21 10:00:${String(i).padStart(2, '0')} web1 sshd[9]: Invalid user ${u} from ${A} port ${30000 + i}`,
    );
    assert.deepEqual(replay(syslogLines(lines)).summary, {
      'kyoka-bf-ssh-invalid-user': [`6:ban ${A} 4h`],
      'kyoka-credstuff-users': [`11:ban ${A} 4h`],
    });
  });

  it('a whitelisted source produces nothing', () => {
    assert.deepEqual(replay(syslogLines(sshFails('10.1.2.3')), { ips: ['10.0.0.0/8'] }).summary, {});
  });
});

describe('built-in rules: vsftpd and rsyncd', () => {
  it('vsftpd.log FAIL LOGIN ×6: FTP brute force; an OK LOGIN is nothing', () => {
    const lines = [0, 1, 2, 3, 4, 5].map(
      (i) => `Sat Nov 21 10:00:0${i} 2026 [pid ${300 + i}] [ftpuser] FAIL LOGIN: Client "::ffff:${A}"`,
    );
    lines.push('Sat Nov 21 10:00:07 2026 [pid 400] [bob] OK LOGIN: Client "::ffff:198.51.100.2"');
    assert.deepEqual(replay(programLines('vsftpd', lines)).summary, { 'kyoka-bf-ftp': [`6:ban ${A} 4h`] });
  });

  it('rsyncd module listing, download and upload', () => {
    const lines = [
      `2026/11/21 10:00:00 [1234] connect from UNKNOWN (${A})`,
      `2026/11/21 10:00:00 [1234] module-list request from UNKNOWN (${A})`,
      `2026/11/21 10:00:05 [1235] connect from UNKNOWN (${A})`,
      `2026/11/21 10:00:05 [1235] rsync on data/secret/ from UNKNOWN (${A})`,
      `2026/11/21 10:00:06 [1235] send UNKNOWN [${A}] data () secret/passwd 1234`,
      `2026/11/21 10:00:06 [1235] sent 1290 bytes  received 58 bytes  total size 1234`,
      `2026/11/21 10:00:09 [1236] rsync to upload/ from UNKNOWN (${A})`,
      `2026/11/21 10:00:10 [1236] recv UNKNOWN [${A}] upload () .ssh/authorized_keys 400`,
    ];
    assert.deepEqual(replay(programLines('rsyncd', lines)).summary, {
      'kyoka-rsync-list': ['1:-'],
      'kyoka-rsync-download': ['2:-'],
      'kyoka-rsync-upload': ['2:-'],
    });
  });
});

describe('built-in rules: honeypot records', () => {
  it('any interaction bans; the sensor’s own system messages are not interactions', () => {
    const lines = [
      oc(1001, '', -1, { msg: { logdata: 'Canary running!!!' } }),
      oc(4000, A, 22, { SESSION: '1' }),
      oc(3000, '198.51.100.9', 80, { PATH: '/index.html', USERAGENT: 'curl/8', HOSTNAME: 'nas' }),
    ];
    assert.deepEqual(replay(opencanaryLines(lines)).summary, {
      'kyoka-honeypot-interaction': [`1:ban ${A} 4h`, '1:ban 198.51.100.9 4h'],
    });
  });

  it('brute force on telnet, mysql, mssql, redis AUTH and HTTP login', () => {
    const cases: Array<[number, number, Record<string, unknown>, string]> = [
      [6001, 23, { USERNAME: 'admin', PASSWORD: 'x' }, 'kyoka-bf-telnet'],
      [8001, 3306, { USERNAME: 'root', PASSWORD: 'x' }, 'kyoka-bf-mysql'],
      [9001, 1433, { UserName: 'sa', Password: 'x' }, 'kyoka-bf-mssql'],
      [17001, 6379, { CMD: 'AUTH', ARGS: 'x' }, 'kyoka-bf-redis'],
      [3001, 80, { USERNAME: 'admin', PASSWORD: 'x', PATH: '/index.html' }, 'kyoka-bf-http'],
      [2000, 21, { USERNAME: 'ftp', PASSWORD: 'x' }, 'kyoka-bf-ftp'],
      [4002, 22, { USERNAME: 'root', PASSWORD: 'x' }, 'kyoka-bf-ssh'],
    ];
    for (const [logtype, port, data, rule] of cases) {
      const { summary } = replay(opencanaryLines([0, 1, 2, 3, 4, 5].map(() => oc(logtype, A, port, data))));
      assert.deepEqual(summary[rule], [`6:ban ${A} 4h`], rule);
      assert.deepEqual(summary['kyoka-honeypot-interaction'], [`6:ban ${A} 4h`], rule);
      assert.deepEqual(Object.keys(summary).sort(), [rule, 'kyoka-honeypot-interaction'].sort(), rule);
    }
  });

  it('credential stuffing across services from one source', () => {
    const lines = [
      oc(4002, A, 22, { USERNAME: 'root', PASSWORD: 'x' }),
      oc(2000, A, 21, { USERNAME: 'root', PASSWORD: 'x' }),
      oc(8001, A, 3306, { USERNAME: 'root', PASSWORD: 'x' }),
    ];
    assert.deepEqual(replay(opencanaryLines(lines)).summary['kyoka-credstuff-services'], [`3:ban ${A} 4h`]);
  });

  it('Redis abuse: CONFIG SET dir/dbfilename, SLAVEOF, REPLICAOF, MODULE LOAD; harmless commands are not abuse', () => {
    const lines = [
      oc(17001, A, 6379, { CMD: 'INFO', ARGS: '' }),
      oc(17001, A, 6379, { CMD: 'CONFIG', ARGS: 'set dir /var/spool/cron/crontabs' }),
      oc(17001, A, 6379, { CMD: 'CONFIG', ARGS: 'SET dbfilename root' }),
      oc(17001, A, 6379, { CMD: 'CONFIG', ARGS: 'get dir' }),
      oc(17001, A, 6379, { CMD: 'SLAVEOF', ARGS: '198.51.100.66 8886' }),
      oc(17001, A, 6379, { CMD: 'REPLICAOF', ARGS: 'NO ONE' }),
      oc(17001, A, 6379, { CMD: 'MODULE', ARGS: 'LOAD /tmp/exp.so' }),
    ];
    assert.deepEqual(replay(opencanaryLines(lines)).summary, {
      'kyoka-honeypot-interaction': [`7:ban ${A} 4h`],
      'kyoka-redis-abuse': [`5:ban ${A} 4h`],
    });
  });

  it('port scans: nmap probes, SYNs to many ports (one per second: the 7th crosses 5 + leak)', () => {
    const syn = (port: number) =>
      oc(5001, A, port, { PROTO: 'TCP', SYN: '', IN: 'eth0', ID: '1', LEN: '44', TTL: '40', WINDOW: '1024' });
    const lines = [oc(5002, A, 80, { PROTO: 'TCP' }), ...[21, 22, 23, 25, 80, 110, 143, 443, 445, 3389].map(syn)];
    const { summary } = replay(opencanaryLines(lines));
    assert.deepEqual(summary['kyoka-portscan-nmap'], ['1:-']);
    assert.deepEqual(summary['kyoka-portscan-syn'], ['7:-']);
  });

  it('honeycred login: critical, banned', () => {
    const lines = [oc(4002, A, 22, { USERNAME: 'backup', PASSWORD: 'Spring2026!' }, '"honeycred": true, ')];
    const { summary, detections } = replay(opencanaryLines(lines));
    assert.deepEqual(summary['kyoka-honeycred-login'], [`1:ban ${A} 4h`]);
    assert.equal(detections.find((d) => d.rule.id === 'kyoka-honeycred-login')?.rule.severity, 'critical');
    assert.deepEqual(
      replay(opencanaryLines([oc(4002, A, 22, { USERNAME: 'x' }, '"honeycred": false, ')])).summary[
        'kyoka-honeycred-login'
      ],
      undefined,
    );
  });

  it('a whitelisted sensor or source produces nothing', () => {
    const lines = [0, 1, 2, 3, 4, 5].map(() =>
      oc(4002, A, 22, { USERNAME: 'root', PASSWORD: 'x' }, '"honeycred": true, '),
    );
    assert.deepEqual(replay(opencanaryLines(lines), { sensors: ['canary-1'] }).summary, {});
    assert.deepEqual(replay(opencanaryLines(lines), { ips: [`${A}/32`] }).summary, {});
  });
});

describe('built-in rules: WAF', () => {
  // the shape packages/waf/src/event.ts writes
  const waf = (i: number, sandboxed: boolean) => ({
    id: `waf${i}`,
    '@timestamp': `2026-11-21T10:00:${String(i).padStart(2, '0')}.000Z`,
    event: {
      kind: 'alert' as const,
      dataset: 'kyoka.waf',
      category: ['web', 'intrusion_detection'],
      action: 'waf-attack-html',
    },
    source: { ip: A },
    rule: { id: ['sqli-tautology'], category: ['sqli'] },
    url: { original: "/?id=1' OR 1=1--" },
    kyoka: { waf: { site: 'shop', action: sandboxed ? 'sandbox' : 'html', sandboxed } },
  });
  it('WAF reports alert per source; more than 10 ban', () => {
    const { summary } = replay(Array.from({ length: 11 }, (_, i) => waf(i, false)));
    assert.deepEqual(summary, { 'kyoka-waf-attack': ['11:-'], 'kyoka-waf-repeat': [`11:ban ${A} 4h`] });
  });
  it('an attacker already in the sandbox is alerted on but never banned', () => {
    const { summary } = replay(Array.from({ length: 15 }, (_, i) => waf(i, true)));
    assert.deepEqual(summary, { 'kyoka-waf-attack': ['15:-'] });
  });
});
