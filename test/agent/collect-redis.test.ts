/**
 * The redis-monitor collector against a real redis-server on a loopback port: AUTH, MONITOR
 * (ordinary commands with their escapes), and — because Redis never feeds admin commands such
 * as CONFIG to MONITOR — the slow-log watch: `redis-cli CONFIG SET dir` → a redis.command event
 * the Redis abuse rule matches. A wrong password fails only that collector; a restarted server
 * is reconnected to.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemon, freePort, type Harness, removeDir, run, runCollectors, tempDir, until } from './collect-helpers.ts';

const REDIS = '/usr/bin/redis-server';
const skip = !existsSync(REDIS) ? 'redis-server is not installed (apt-get install redis-server)' : false;
const PASSWORD = 'monitor-test-pw';

describe('redis-monitor collector on a real redis-server', { skip }, () => {
  let dir: string;
  let port: number;
  let redis: ReturnType<typeof daemon> | undefined;
  let h: Harness | undefined;

  async function startRedis(): Promise<void> {
    redis = daemon(REDIS, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--requirepass',
      PASSWORD,
      '--enable-protected-configs',
      'yes',
    ]);
    const deadline = Date.now() + 10_000;
    while ((await cli('PING')).out.trim() !== 'PONG') {
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${redis.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function cli(...args: string[]) {
    return run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '-a', PASSWORD, '--no-auth-warning', ...args]);
  }

  before(async () => {
    dir = tempDir('redis');
    port = await freePort();
    await startRedis();
    h = await runCollectors(
      [
        { type: 'redis-monitor', name: 'redis', url: `redis://127.0.0.1:${port}`, password: PASSWORD, slowlog: true },
        { type: 'redis-monitor', name: 'redis-badpw', url: `redis://127.0.0.1:${port}`, password: 'wrong' },
      ],
      join(dir, 'state'),
    );
  });

  after(async () => {
    await h?.stop();
    await redis?.stop();
    removeDir(dir);
  });

  it('MONITOR: commands of other clients become redis.command events, escapes decoded', async () => {
    const harness = h as Harness;
    await until(() => harness.collectors.stats()[0]?.connected, 'monitoring');
    await cli('SET', 'greeting', 'a"b\nc é'); // a real newline: MONITOR shows it as \n
    const ev = await until(
      () =>
        harness.events.find(
          (e) =>
            e.kyoka?.collector === 'redis' &&
            e.kyoka?.redis &&
            (e.kyoka.redis as { command: string }).command === 'SET',
        ),
      'SET event',
    );
    assert.deepEqual((ev.kyoka?.redis as { args: string[] } | undefined)?.args, ['greeting', 'a"b\nc é']);
    assert.equal(ev.source?.ip, '127.0.0.1');
    assert.equal(ev.network?.protocol, 'redis');
    // redis-cli authenticated first: AUTH shows with its argument redacted.
    assert.ok(harness.events.some((e) => e.kyoka?.collector === 'redis' && e.message === 'AUTH (redacted)'));
  });

  it('slow-log watch: CONFIG SET dir from another client becomes a redis.command event', async () => {
    const harness = h as Harness;
    await new Promise((r) => setTimeout(r, 200)); // the watch has taken its first look
    const r = await cli('CONFIG', 'SET', 'dir', dir);
    assert.equal(r.out.trim(), 'OK');
    const ev = await until(
      () => harness.events.find((e) => e.kyoka?.collector === 'redis' && /^CONFIG SET dir /.test(e.message ?? '')),
      'CONFIG SET event',
    );
    assert.equal(ev.event.action, 'redis.command');
    assert.equal(ev.message, `CONFIG SET dir ${dir}`);
    assert.match(ev.message ?? '', /^config\s+set\s+(dir|dbfilename)\b/i); // rules/redis.yml
    assert.equal(ev.source?.ip, '127.0.0.1');
    assert.ok((ev.source?.port ?? 0) > 0);
    assert.deepEqual((ev.kyoka as Record<string, unknown>).redis, {
      command: 'CONFIG',
      args: ['SET', 'dir', dir],
      via: 'slowlog',
    });
    // Nothing from the collector's own connections (its CONFIG SET slowlog-*, SLOWLOG GET).
    assert.ok(!harness.events.some((e) => /slowlog/i.test(e.message ?? '') || e.message === 'MONITOR'));
    assert.equal(harness.events.filter((e) => /^CONFIG SET dir /.test(e.message ?? '')).length, 1);
  });

  it('a wrong password fails only that collector', async () => {
    const harness = h as Harness;
    const bad = await until(() => {
      const s = harness.collectors.stats()[1];
      return s !== undefined && s.errors > 0 ? s : undefined;
    }, 'bad password error');
    assert.equal(bad.connected, false);
    assert.equal(bad.events, 0);
    assert.equal(harness.collectors.stats()[0]?.connected, true);
  });

  it('reconnects after the server restarts', async () => {
    const harness = h as Harness;
    await redis?.stop();
    await until(() => harness.collectors.stats()[0]?.connected === false, 'disconnect noticed');
    await startRedis();
    await until(() => harness.collectors.stats()[0]?.connected, 'reconnected');
    // MONITOR after the reconnect:
    await cli('GET', 'after-restart');
    await until(() => harness.events.find((e) => e.message === 'GET after-restart'), 'GET after reconnect');
    // The slow-log watch reconnects too (and notices the ids restarted): repeat until it has armed the new server.
    const ev = await until(async () => {
      const found = harness.events.find((e) => e.kyoka?.collector === 'redis' && e.message === 'SLAVEOF NO ONE');
      if (found === undefined) await cli('SLAVEOF', 'NO', 'ONE');
      return found;
    }, 'SLAVEOF event after reconnect');
    assert.equal(ev.event.action, 'redis.command');
  });
});
