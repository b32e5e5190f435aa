/**
 * A real MariaDB (Debian's mariadb-server) on a loopback port with the general query log in a
 * temp dir: a failed login must come out of the file collector as mysql.login_attempt with
 * outcome failure, user and source ip (what the MySQL brute-force rule counts), and queries of
 * a good login carry the client's address. Skipped when mariadbd is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemon, freePort, type Harness, removeDir, run, runCollectors, tempDir, until } from './collect-helpers.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const skip = !existsSync(MARIADBD) ? 'mariadb-server is not installed (apt-get install mariadb-server)' : false;

describe('file collector on a real MariaDB general log', { skip }, () => {
  let dir: string;
  let port: number;
  let db: ReturnType<typeof daemon> | undefined;
  let h: Harness | undefined;
  const client = (...args: string[]) =>
    run('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${port}`, '--connect-timeout=5', ...args]);

  before(async () => {
    dir = tempDir('mysql');
    port = await freePort();
    const data = join(dir, 'data');
    const inst = await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      60_000,
    );
    assert.equal(inst.code, 0, inst.out);
    const general = join(dir, 'general.log');
    writeFileSync(general, '');
    h = await runCollectors(
      [{ type: 'file', name: 'mysql', path: general, format: 'mysql-general', from: 'start' }],
      join(dir, 'state'),
    );
    db = daemon(MARIADBD, [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      '--general-log=1',
      `--general-log-file=${general}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
    ]);
    await until(() => existsSync(join(dir, 'sock')), 'mariadbd socket', 30_000);
    const setup = await run('mariadb', [
      '--no-defaults',
      `--socket=${join(dir, 'sock')}`,
      '-uroot',
      '-e',
      "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'",
    ]);
    assert.equal(setup.code, 0, setup.out);
  });

  after(async () => {
    await h?.stop();
    await db?.stop();
    removeDir(dir);
  });

  it('failed logins are mysql.login_attempt failures; queries carry the client address', async () => {
    const bad = await client('-uintruder', '-pguess', '-e', 'SELECT 1');
    assert.notEqual(bad.code, 0);
    const good = await client('-uapp', '-papp-pw', '-e', 'SELECT 42 AS answer');
    assert.equal(good.code, 0, good.out);
    const harness = h as Harness;
    const fail = await until(
      () => harness.events.find((e) => e.event.action === 'mysql.login_attempt'),
      'mysql.login_attempt',
    );
    assert.equal(fail.event.outcome, 'failure');
    assert.equal(fail.user?.name, 'intruder');
    assert.equal(fail.source?.ip, '127.0.0.1');
    assert.deepEqual(fail.event.category, ['authentication']);
    assert.match(
      fail.event.original ?? '',
      /Connect\tAccess denied for user 'intruder'@'127\.0\.0\.1' \(using password: YES\)$/,
    );
    const q = await until(
      () =>
        harness.events.find(
          (e) =>
            e.event.action === 'mysql.query' && /SELECT 42/.test(String((e.kyoka?.mysql as { query?: string })?.query)),
        ),
      'query event',
    );
    assert.equal(q.user?.name, 'app');
    assert.equal(q.source?.ip, '127.0.0.1');
    assert.equal(harness.collectors.stats()[0]?.errors, 0);
  });
});
