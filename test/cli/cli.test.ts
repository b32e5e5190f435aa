/** The kyoka CLI as an operator meets it: help, first-run credentials, config errors, busy ports, keys. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KYOKA_BIN, KYOKA_LAUNCHER, kyokaCli, ROOT, startKyoka } from '../helpers/kyoka.ts';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [KYOKA_BIN, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('kyoka CLI', () => {
  it('has --help for every role', () => {
    for (const args of [
      ['--help'],
      ['start', '--help'],
      ['server', '--help'],
      ['keys', '--help'],
      ['keys', 'create', '--help'],
      ['users', '--help'],
    ]) {
      const r = run(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: kyoka/);
    }
  });

  it('the kyoka launcher runs every role on node, the server roles as one process with a larger young generation', async () => {
    const r = spawnSync(KYOKA_LAUNCHER, ['keys', '--help'], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: kyoka keys/);
    const k = await startKyoka({ launcher: true });
    try {
      // exec: the child the launcher started is node itself, the PID in the data dir's lock file
      assert.equal(readFileSync(join(k.dataDir, 'kyoka.pid'), 'utf8').trim().split(/\s/)[0], String(k.proc.pid));
      const cmd = readFileSync(`/proc/${k.proc.pid}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(cmd.slice(0, 4), ['node', '--max-semi-space-size=64', KYOKA_BIN, 'start']);
    } finally {
      await k.stop();
    }
  });

  it('the launcher gives the server roles a larger young generation, the sensor a smaller one and a single-threaded GC; KYOKA_NODE_FLAGS comes last', () => {
    // `node -e` evaluates instead of running kyoka.js, so this prints the flags the launcher chose
    const flags = (role: string, extra = '') =>
      spawnSync(KYOKA_LAUNCHER, [role], {
        encoding: 'utf8',
        cwd: ROOT,
        timeout: 30_000,
        env: { ...process.env, KYOKA_NODE_FLAGS: `-e process.stdout.write(process.execArgv.join('|'))${extra}` },
      }).stdout.split('|');
    assert.ok(flags('start').includes('--max-semi-space-size=64'));
    assert.ok(flags('server').includes('--max-semi-space-size=64'));
    assert.ok(flags('sensor').includes('--max-semi-space-size=4'));
    assert.ok(!flags('keys').some((f) => f.startsWith('--max-semi-space-size')));
    // the sensor's GC stays on its main thread (less CPU per attempt); the server keeps V8's helpers
    assert.ok(flags('sensor').includes('--single-threaded-gc'));
    assert.ok(!flags('start').includes('--single-threaded-gc'));
    const own = flags('sensor', ' --max-semi-space-size=16');
    assert.ok(own.indexOf('--max-semi-space-size=16') > own.indexOf('--max-semi-space-size=4'), own.join(' '));
  });

  it("the launcher masks OpenSSL's AVX-512 IFMA for the long-running roles, unless the caller set a value", () => {
    const ia32cap = (role: string, env: Record<string, string | undefined>) => {
      const e: NodeJS.ProcessEnv = {
        ...process.env,
        ...env,
        KYOKA_NODE_FLAGS: `-e process.stdout.write(String(process.env.OPENSSL_ia32cap))`,
      };
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
      return spawnSync(KYOKA_LAUNCHER, [role], { encoding: 'utf8', cwd: ROOT, timeout: 30_000, env: e }).stdout;
    };
    for (const role of ['start', 'server', 'sensor'])
      assert.equal(ia32cap(role, { OPENSSL_ia32cap: undefined }), ':~0x200000');
    assert.equal(ia32cap('keys', { OPENSSL_ia32cap: undefined }), 'undefined');
    assert.equal(ia32cap('sensor', { OPENSSL_ia32cap: ':~0x10000' }), ':~0x10000');
    assert.equal(ia32cap('sensor', { OPENSSL_ia32cap: ':~0x0' }), ':~0x0');
    assert.equal(ia32cap('sensor', { OPENSSL_ia32cap: '' }), ':~0x200000');
  });

  it('first run prints a generated admin password once; it logs in; the second run does not print it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kyoka-cli-'));
    try {
      const k = await startKyoka({ dataDir });
      assert.match(k.adminPassword, /^[A-Za-z0-9]{20}$/);
      const login = await fetch(`${k.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: k.adminPassword }),
      });
      assert.equal(login.status, 200);
      assert.match(login.headers.get('set-cookie') ?? '', /kyoka_session=.*HttpOnly.*SameSite=Strict/i);
      await k.stop();
      const k2 = await startKyoka({ dataDir, ingestKey: 'unused' });
      assert.doesNotMatch(k2.output(), /password/i);
      await k2.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('takes KYOKA_ADMIN_PASSWORD instead of generating one; the KYOKA_ names other tools read are no config errors', async () => {
    const k = await startKyoka({
      env: {
        KYOKA_ADMIN_PASSWORD: 'correct horse battery staple',
        // exported for `kyoka sensor`, the launcher or the console's dev server, they must not stop `kyoka start`
        KYOKA_SENSOR_FROM_SOURCE: '1',
        KYOKA_SENSOR_V8_TUNING: 'memory',
        KYOKA_NODE_FLAGS: '',
        KYOKA_URL: 'http://127.0.0.1:8400',
      },
    });
    try {
      assert.doesNotMatch(k.output(), /correct horse/);
      const login = await fetch(`${k.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'correct horse battery staple' }),
      });
      assert.equal(login.status, 200);
    } finally {
      await k.stop();
    }
  });

  it('names the key of a bad config value, from file, env and flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-cfg-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'http:\n  port: "eighty"\n');
      let r = run(['server', '--config', join(dir, 'bad.yaml'), '--data', dir]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /config key http\.port/);
      writeFileSync(join(dir, 'bad2.yaml'), 'retention:\n  dayz: 3\n');
      r = run(['server', '--config', join(dir, 'bad2.yaml'), '--data', dir]);
      assert.match(r.stderr, /retention/);
      r = run(['server', '--data', dir], { KYOKA_SYSLOG_UDP_PORT: 'x' });
      assert.match(r.stderr, /KYOKA_SYSLOG_UDP_PORT/);
      r = run(['server', '--data', dir], { KYOKA_LOG_LEVEL: 'loud' });
      assert.match(r.stderr, /config key log\.level: must be one of "fatal", "error", .*got "loud"/);
      r = run(['server', '--data', dir, '--port', '99999']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port already in use is an error naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-port-'));
    try {
      const r = run(['start', '--data', dir, '--port', String(port), '--no-syslog']);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port}/tcp is already in use \\(config key http\\.port\\)`));
      // the failed start created no admin: the next start on a free port prints the password
      const k = await startKyoka({ dataDir: dir });
      assert.match(k.adminPassword, /^[A-Za-z0-9]{20}$/);
      await k.stop();
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a listen address this machine does not have is a one-line error naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyoka-host-'));
    try {
      // 192.0.2.0/24 is TEST-NET-1: never an address of this machine
      let r = run(['start', '--data', dir, '--port', '0', '--no-syslog', '--no-sensor', '--host', '192.0.2.7']);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /^kyoka: config key http\.host: cannot listen on 192\.0\.2\.7 .*not an address of this machine \[KYOKA_E_BAD_CONFIG\]$/m,
      );
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      r = run(['start', '--data', dir, '--port', '0', '--no-syslog', '--no-sensor', '--host', 'nohost.invalid']);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /config key http\.host: .*nohost\.invalid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a second server on the same data directory is refused, naming the first one', async () => {
    const k = await startKyoka();
    try {
      const r = run(['start', '--data', k.dataDir, '--port', '0', '--no-syslog', '--no-sensor']);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /data directory .* is in use by another Kyoka server \(pid \d+\).*\[KYOKA_E_CONFLICT\]/);
    } finally {
      await k.stop();
    }
  });

  it('keys create works while the server runs, and the new key is accepted at once', async () => {
    const k = await startKyoka();
    try {
      const key = kyokaCli(['keys', 'create', '--name', 'late', '--role', 'ingest', '--data', k.dataDir]).trim();
      assert.match(key, /^kyk_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
      const r = await fetch(`${k.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: '{"message":"late key"}',
      });
      assert.equal(r.status, 200);
      const list = kyokaCli(['keys', 'list', '--data', k.dataDir]);
      assert.match(list, /late\tingest/);
      assert.doesNotMatch(list, new RegExp(key));
    } finally {
      await k.stop();
    }
  });
});
