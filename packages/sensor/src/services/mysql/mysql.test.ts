/** MySQL honeypot against the real mariadb-client and hydra: exact error text and exact records. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';

const MYSQL = '/usr/bin/mysql';
const HYDRA = '/usr/bin/hydra';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('mysql honeypot', () => {
  let svc: Awaited<ReturnType<typeof startService>>;
  let port = 0;
  before(async () => {
    svc = await startService(factory, { 'mysql.port': 0, 'mysql.log_connection_made': true });
    port = svc.service.ports[0]!.port;
  });
  after(() => svc.stop());
  const skip = existsSync(MYSQL) ? false : 'mysql client not installed';
  const client = (...a: string[]) =>
    run(MYSQL, ['-h', '127.0.0.1', '-P', String(port), '--connect-timeout=5', ...a, '-e', 'select 1']);

  it('greeting is a MariaDB 10.11 handshake v10 with a printable 20-byte salt', async () => {
    const pkt = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d);
      });
      s.on('error', reject);
    });
    assert.equal(pkt.readUIntLE(0, 3), pkt.length - 4);
    assert.equal(pkt[3], 0);
    assert.equal(pkt[4], 10);
    const v = '5.5.5-10.11.6-MariaDB-0+deb12u1';
    assert.equal(pkt.toString('latin1', 5, 5 + v.length + 1), `${v}\0`);
    const o = 5 + v.length + 1;
    const salt = Buffer.concat([pkt.subarray(o + 4, o + 12), pkt.subarray(o + 31, o + 43)]);
    assert.match(salt.toString('latin1'), /^[!-~]{20}$/);
    assert.equal(pkt.readUInt16LE(o + 13), 0xf7fe);
    assert.equal(pkt.toString('latin1', o + 44), 'mysql_native_password\0');
  });

  it('mysql -u root -psecret -> ERROR 1045, 9003 then 8001 with the scramble in hex', { skip }, async () => {
    const n = svc.h.records.length;
    const r = await client('-u', 'root', '-psecret');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)\n");
    const recs = svc.h.records.slice(n);
    assert.deepEqual(
      recs.map((x) => x.logtype),
      [9003, 8001],
    );
    assert.deepEqual(recs[0]!.logdata, {});
    assert.equal(recs[1]!.logdata.USERNAME, 'root');
    assert.match(String(recs[1]!.logdata.PASSWORD), /^[0-9a-f]{40}$/);
    assert.equal(recs[1]!.conn?.src_host, '127.0.0.1');
  });

  it('no password -> using password: NO and PASSWORD null', { skip }, async () => {
    const n = svc.h.records.length;
    const r = await client('-u', 'admin', '--skip-password');
    assert.equal(r.stderr, "ERROR 1045 (28000): Access denied for user 'admin'@'127.0.0.1' (using password: NO)\n");
    assert.deepEqual(svc.h.records.slice(n)[1]!.logdata, { USERNAME: 'admin', PASSWORD: null });
  });

  it('another auth plugin gets an auth switch, then the denial', { skip }, async () => {
    const n = svc.h.records.length;
    const r = await client('-u', 'bob', '-pxyz', '--default-auth=client_ed25519');
    assert.equal(r.stderr, "ERROR 1045 (28000): Access denied for user 'bob'@'127.0.0.1' (using password: YES)\n");
    const rec = svc.h.records.slice(n)[1]!;
    assert.equal(rec.logdata.USERNAME, 'bob');
    assert.match(String(rec.logdata.PASSWORD), /^[0-9a-f]{40}$/);
  });

  it('malformed and out-of-order input closes cleanly and is counted', async () => {
    const reply = await new Promise<Buffer>((resolve) => {
      const s = connect(port, '127.0.0.1');
      const parts: Buffer[] = [];
      s.once('data', () => s.write(Buffer.from([3, 0, 0, 5, 1, 2, 3])));
      s.on('data', (d) => parts.push(d));
      s.on('close', () => resolve(Buffer.concat(parts.slice(1))));
    });
    assert.equal(reply.subarray(4).toString('latin1'), '\xff\x84\x04#08S01Got packets out of order');
    assert.equal(svc.h.counts.get('mysql:bad_sequence'), 1);
  });

  it('hydra -t 4: every attempt is logged', { skip: existsSync(HYDRA) ? skip : 'hydra not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-mysql-'));
    try {
      const words = ['123456', 'password', 'root', 'toor', 'letmein', 'mysql'];
      writeFileSync(join(dir, 'pw'), `${words.join('\n')}\n`);
      const n = svc.h.records.length;
      const r = await run(HYDRA, [
        '-l',
        'root',
        '-P',
        join(dir, 'pw'),
        '-t',
        '4',
        '-s',
        String(port),
        '127.0.0.1',
        'mysql',
      ]);
      assert.match(r.stdout, /0 valid password/);
      const attempts = svc.h.records.slice(n).filter((x) => x.logtype === 8001);
      assert.equal(attempts.length, words.length);
      for (const a of attempts) assert.equal(a.logdata.USERNAME, 'root');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
