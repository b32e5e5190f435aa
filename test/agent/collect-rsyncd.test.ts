/**
 * A real rsync daemon on a loopback port writes its own log file; module listing, a read, an
 * upload and a failed authentication must come out of the file collector as the rsyncd.*
 * events the rsync rules (rules/rsync.yml) and the credential rules match.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemon, freePort, type Harness, removeDir, run, runCollectors, tempDir, until } from './collect-helpers.ts';

const RSYNC = '/usr/bin/rsync';
const skip = !existsSync(RSYNC) ? 'rsync is not installed (apt-get install rsync)' : false;

describe('file collector on a real rsync daemon', { skip }, () => {
  let dir: string;
  let port: number;
  let rsyncd: ReturnType<typeof daemon> | undefined;
  let h: Harness | undefined;

  before(async () => {
    dir = tempDir('rsyncd');
    port = await freePort();
    for (const d of ['data', 'pub']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'pub', 'readme.txt'), 'hello\n');
    writeFileSync(join(dir, 'upload.txt'), 'planted\n');
    writeFileSync(join(dir, 'secrets'), 'alice:right-pw\n', { mode: 0o600 });
    const log = join(dir, 'rsyncd.log');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'rsyncd.conf'),
      [
        `port = ${port}`,
        'address = 127.0.0.1',
        'use chroot = no',
        'uid = root',
        'gid = root',
        `log file = ${log}`,
        `pid file = ${join(dir, 'rsyncd.pid')}`,
        '[pub]',
        `  path = ${join(dir, 'pub')}`,
        '  read only = yes',
        '[data]',
        `  path = ${join(dir, 'data')}`,
        '  read only = no',
        '  auth users = alice',
        `  secrets file = ${join(dir, 'secrets')}`,
        '',
      ].join('\n'),
    );
    h = await runCollectors([{ type: 'file', name: 'rsync', path: log, format: 'rsyncd' }], join(dir, 'state'));
    rsyncd = daemon(RSYNC, ['--daemon', '--no-detach', `--config=${join(dir, 'rsyncd.conf')}`]);
    await until(async () => (await run(RSYNC, [`rsync://127.0.0.1:${port}/`], 5000)).code === 0, 'rsync daemon up');
  });

  after(async () => {
    await h?.stop();
    await rsyncd?.stop();
    removeDir(dir);
  });

  it('listing, read, upload and a failed auth become rsyncd.* events with the source ip', async () => {
    const url = `rsync://127.0.0.1:${port}`;
    assert.equal((await run(RSYNC, [`${url}/pub/`], 10_000)).code, 0);
    const denied = await run('env', ['RSYNC_PASSWORD=wrong', RSYNC, `rsync://alice@127.0.0.1:${port}/data/`], 10_000);
    assert.notEqual(denied.code, 0);
    const up = await run(
      'env',
      ['RSYNC_PASSWORD=right-pw', RSYNC, join(dir, 'upload.txt'), `rsync://alice@127.0.0.1:${port}/data/`],
      10_000,
    );
    assert.equal(up.code, 0, up.out);
    const harness = h as Harness;
    const want = ['rsyncd.list', 'rsyncd.read_request', 'rsyncd.auth_failure', 'rsyncd.write_request'];
    await until(() => want.every((a) => harness.events.some((e) => e.event.action === a)), want.join(', ')).catch(
      (err: Error) => {
        throw new Error(`${err.message}; got: ${harness.events.map((e) => e.event.original).join(' | ')}`);
      },
    );
    for (const a of want) {
      const e = harness.events.find((x) => x.event.action === a);
      assert.equal(e?.source?.ip, '127.0.0.1', a);
      assert.equal(e?.event.dataset, 'rsyncd', a);
    }
    const fail = harness.events.find((e) => e.event.action === 'rsyncd.auth_failure');
    assert.equal(fail?.event.outcome, 'failure');
    assert.equal((fail?.kyoka?.rsync as { module?: string })?.module, 'data');
    const write = harness.events.find((e) => e.event.action === 'rsyncd.write_request');
    assert.equal(write?.user?.name, 'alice');
  });
});
