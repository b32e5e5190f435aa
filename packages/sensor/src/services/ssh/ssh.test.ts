/**
 * SSH honeypot against real clients: OpenSSH `ssh` (password via SSH_ASKPASS, and an ed25519 key
 * whose fingerprint must equal `ssh-keygen -lf`), paramiko, hydra; plus the KEXINIT offer read off
 * the wire, host-key persistence, the tarpit delay and the MaxAuthTries disconnect.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { ServiceFactory } from '../../service/types.ts';
import { type CapturedRecord, harness, startService as startFresh } from '../../testing/harness.ts';
import { OPENSSH_9_2 } from './algorithms.ts';
import { factory } from './index.ts';

const run = promisify(execFile);
const has = (bin: string) => existsSync(bin);
const LOCAL = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';
const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=no'];

const KEY_FILES = ['ssh_host_rsa_key', 'ssh_host_ecdsa_key', 'ssh_host_ed25519_key'];
let dir = '';
let keysDir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyoka-ssh-test-'));
  writeFileSync(join(dir, 'askpass.sh'), '#!/bin/sh\necho "hunter2 pw"\n', { mode: 0o700 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Like the harness's startService, but reuses one set of host keys: RSA 3072 generation is slow. */
async function startService(f: ServiceFactory, conf: Record<string, unknown>) {
  if (!keysDir) {
    const first = await startFresh(f, conf);
    keysDir = join(dir, 'keys');
    mkdirSync(keysDir);
    for (const k of KEY_FILES) copyFileSync(join(first.h.ctx.stateDir, k), join(keysDir, k));
    return first;
  }
  const h = harness(conf);
  for (const k of KEY_FILES) copyFileSync(join(keysDir, k), join(h.ctx.stateDir, k));
  const service = f(h.ctx);
  await service.start();
  return {
    service,
    h,
    async stop() {
      await service.stop();
      h.cleanup();
    },
  };
}

const attempts = (records: CapturedRecord[]) => records.filter((r) => r.logtype === 4002).map((r) => r.logdata);

/** OpenSSH password tries (the askpass script's password, `prompts` of them) through `port`; its stderr. */
async function sshPasswordTry(port: number, user: string, prompts = 1): Promise<string> {
  const out = await run(
    'ssh',
    [
      ...SSH_OPTS,
      '-o',
      'PreferredAuthentications=password',
      '-o',
      `NumberOfPasswordPrompts=${prompts}`,
      '-p',
      String(port),
      `${user}@127.0.0.1`,
      'true',
    ],
    {
      env: { ...process.env, SSH_ASKPASS: join(dir, 'askpass.sh'), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      timeout: 20_000,
    },
  ).catch((e: { stderr: string }) => e);
  return String((out as { stderr: string }).stderr);
}

test('ssh: OpenSSH password tries, records and the MaxAuthTries disconnect', {
  skip: !has('/usr/bin/ssh') && 'ssh not installed',
}, async () => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const port = service.ports[0]!.port;
    assert.match(
      await sshPasswordTry(port, 'root', 8),
      /Received disconnect from 127\.0\.0\.1 port \d+:2: Too many authentication failures/,
    );
    assert.deepEqual(h.records[0]!.logdata, { SESSION: '0' });
    assert.equal(h.records[1]!.logtype, 4001);
    const remote = String(h.records[1]!.logdata.REMOTEVERSION);
    assert.match(remote, /^SSH-2\.0-OpenSSH_\S+/);
    assert.deepEqual(h.records[1]!.logdata, { LOCALVERSION: LOCAL, REMOTEVERSION: remote });
    const one = { USERNAME: 'root', PASSWORD: 'hunter2 pw', LOCALVERSION: LOCAL, REMOTEVERSION: remote };
    assert.deepEqual(attempts(h.records), [one, one, one, one, one, one]);
    assert.equal(h.counts.get('ssh:max_auth_tries'), 1);
    assert.equal(h.records[2]!.conn!.dst_port, port);
  } finally {
    await stop();
  }
});

test('ssh: OpenSSH public key try logged with the ssh-keygen fingerprint', {
  skip: !has('/usr/bin/ssh-keygen') && 'ssh-keygen not installed',
}, async () => {
  const { service, h, stop } = await startService(factory, {
    'ssh.port': 0,
    'ssh.auth_delay_ms': 0,
    'ssh.version': 'SSH-2.0-OpenSSH_8.4p1 Debian-5',
  });
  try {
    const key = join(dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kyoka-test', '-f', key]);
    const fp = (await run('ssh-keygen', ['-lf', `${key}.pub`])).stdout.split(' ')[1];
    const pub = (await run('cat', [`${key}.pub`])).stdout.split(' ').slice(0, 2).join(' ');
    await run(
      'ssh',
      [
        ...SSH_OPTS,
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'PreferredAuthentications=publickey',
        '-i',
        key,
        '-p',
        String(service.ports[0]!.port),
        'deploy@127.0.0.1',
        'true',
      ],
      {
        timeout: 20_000,
      },
    ).catch(() => {});
    const got = attempts(h.records);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], {
      USERNAME: 'deploy',
      LOCALVERSION: 'SSH-2.0-OpenSSH_8.4p1 Debian-5',
      REMOTEVERSION: h.records[1]!.logdata.REMOTEVERSION,
      KEY_TYPE: 'ssh-ed25519',
      FINGERPRINT: fp,
      PUBLICKEY: pub,
    });
  } finally {
    await stop();
  }
});

test('ssh: paramiko password and signed key attempts', {
  skip: !has('/usr/bin/python3') && 'python3 not installed',
}, async (t) => {
  const probe = await run('/usr/bin/python3', ['-c', 'import paramiko']).catch(() => null);
  if (!probe) return t.skip('python3-paramiko not installed');
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const script = `
import paramiko, sys
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.start_client(timeout=10)
print(t.remote_version)
try:
    t.auth_password("admin", "Pässw0rd")
except paramiko.AuthenticationException:
    print("denied")
k = paramiko.RSAKey.generate(2048)
try:
    t.auth_publickey("admin", k)
except paramiko.AuthenticationException:
    print("denied")
import base64, hashlib
print("SHA256:" + base64.b64encode(hashlib.sha256(k.asbytes()).digest()).decode().rstrip("="))
t.close()
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(service.ports[0]!.port)], {
      timeout: 20_000,
    });
    const lines = stdout.trim().split('\n');
    assert.equal(lines[0], LOCAL);
    assert.deepEqual(lines.slice(1, 3), ['denied', 'denied']);
    const got = attempts(h.records);
    assert.equal(got.length, 2);
    assert.equal(got[0]!.PASSWORD, 'Pässw0rd');
    assert.equal(got[0]!.USERNAME, 'admin');
    assert.match(String(got[0]!.REMOTEVERSION), /^SSH-2\.0-paramiko_/);
    assert.equal(got[1]!.KEY_TYPE, 'ssh-rsa');
    assert.match(String(got[1]!.FINGERPRINT), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(got[1]!.FINGERPRINT, lines[3]);
  } finally {
    await stop();
  }
});

test('ssh: hydra, every attempt logged', { skip: !has('/usr/bin/hydra') && 'hydra not installed' }, async () => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const words = ['123456', 'password', 'admin', 'root', 'toor', 'changeme', 'raspberry', 'ubuntu'];
    writeFileSync(join(dir, 'pw.txt'), `${words.join('\n')}\n`);
    await run(
      'hydra',
      [
        '-I',
        '-l',
        'root',
        '-P',
        join(dir, 'pw.txt'),
        '-t',
        '4',
        '-s',
        String(service.ports[0]!.port),
        '127.0.0.1',
        'ssh',
      ],
      {
        timeout: 25_000,
        cwd: dir,
      },
    );
    const seen = attempts(h.records).map((d) => d.PASSWORD);
    assert.deepEqual([...new Set(seen)].sort(), [...words].sort());
  } finally {
    await stop();
  }
});

/**
 * A TCP relay that passes the client's version line at once and everything after it only
 * 150 ms later: the sensor sees the line alone, sends its KEXINIT before ssh2 exists, and ssh2
 * takes over at the client's KEXINIT (the path idle-after-version connections take). `prefix`
 * goes first (a PROXY protocol header).
 */
async function lineThenPause(target: number, prefix = ''): Promise<Server & { port: number }> {
  const srv = createServer((cli) => {
    const up = connect(target, '127.0.0.1');
    if (prefix) up.write(prefix);
    up.on('data', (d) => cli.write(d));
    up.on('end', () => cli.end());
    up.on('error', () => cli.destroy());
    cli.on('error', () => up.destroy());
    cli.on('end', () => up.end());
    let held: Buffer | null = Buffer.alloc(0);
    cli.on('data', (d: Buffer) => {
      if (held === null) return void up.write(d);
      held = Buffer.concat([held, d]);
      const nl = held.indexOf(10);
      if (nl === -1) return;
      up.write(held.subarray(0, nl + 1));
      const rest = held.subarray(nl + 1);
      held = null;
      const pending = [rest];
      const hold = (x: Buffer) => pending.push(x);
      cli.prependListener('data', hold);
      cli.pause();
      setTimeout(() => {
        cli.off('data', hold);
        for (const x of pending) if (x.length) up.write(x);
        cli.resume();
      }, 150);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return Object.assign(srv, { port: (srv.address() as AddressInfo).port });
}

test('ssh: a KEXINIT sent before ssh2 takes over: paramiko and OpenSSH complete their handshakes', {
  skip: !has('/usr/bin/ssh') && 'ssh not installed',
}, async (t) => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  const relay = await lineThenPause(service.ports[0]!.port);
  try {
    assert.match(await sshPasswordTry(relay.port, 'eve'), /Permission denied/);
    assert.deepEqual(
      attempts(h.records).map((a) => [a.USERNAME, a.PASSWORD]),
      [['eve', 'hunter2 pw']],
    );
    // the version line is logged once, when it arrived
    assert.equal(h.records.filter((r) => r.logtype === 4001).length, 1);
    const probe = await run('/usr/bin/python3', ['-c', 'import paramiko']).catch(() => null);
    if (!probe) return t.skip('python3-paramiko not installed');
    const script = `
import paramiko, sys
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.start_client(timeout=10)
try:
    t.auth_password("mallory", "pw1")
except paramiko.AuthenticationException:
    print("denied")
t.close()
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(relay.port)], { timeout: 20_000 });
    assert.equal(stdout.trim(), 'denied');
    assert.deepEqual(attempts(h.records).at(-1)?.USERNAME, 'mallory');
    assert.equal(h.counts.get('ssh:protocol_error') ?? 0, 0);
  } finally {
    relay.close();
    await stop();
  }
});

test('ssh: behind a PROXY protocol forwarder (node:net sockets) the early path logs the forwarded address', {
  skip: !has('/usr/bin/ssh') && 'ssh not installed',
}, async () => {
  const { service, h, stop } = await startService(factory, {
    'ssh.port': 0,
    'ssh.auth_delay_ms': 0,
    'kyoka.proxy_protocol': true,
  });
  const relay = await lineThenPause(service.ports[0]!.port, 'PROXY TCP4 203.0.113.7 127.0.0.1 40001 22\r\n');
  try {
    assert.match(await sshPasswordTry(relay.port, 'trent'), /Permission denied/);
    const tries = h.records.filter((r) => r.logtype === 4002);
    assert.deepEqual(
      tries.map((r) => [r.logdata.USERNAME, r.conn?.src_host, r.conn?.src_port]),
      [['trent', '203.0.113.7', 40001]],
    );
    assert.equal(h.records.filter((r) => r.logtype === 4001).length, 1);
  } finally {
    relay.close();
    await stop();
  }
});

/** Reads the server's version line and KEXINIT name-lists straight off the socket. */
async function kexinit(port: number): Promise<{ version: string; lists: string[][] }> {
  const s = connect(port, '127.0.0.1');
  s.write('SSH-2.0-OpenSSH_9.2p1 probe\r\n');
  let buf = Buffer.alloc(0);
  for await (const d of s) {
    buf = Buffer.concat([buf, d as Buffer]);
    const nl = buf.indexOf('\r\n');
    if (nl === -1 || buf.length < nl + 6) continue;
    const pkt = buf.subarray(nl + 2);
    const len = pkt.readUInt32BE(0);
    if (pkt.length < 4 + len) continue;
    s.destroy();
    const lists: string[][] = [];
    let p = 4 + 1 + 1 + 16; // length, padding length, msg 20, cookie
    for (let i = 0; i < 10; i++) {
      const n = pkt.readUInt32BE(p);
      lists.push(n ? pkt.toString('latin1', p + 4, p + 4 + n).split(',') : []);
      p += 4 + n;
    }
    return { version: buf.toString('latin1', 0, nl), lists };
  }
  throw new Error('no KEXINIT');
}

test('ssh: KEXINIT ordered like OpenSSH 9.2, host keys persisted 0600 and reused', async () => {
  const first = await startFresh(factory, { 'ssh.port': 0 });
  const stateDir = first.h.ctx.stateDir;
  const a = await kexinit(first.service.ports[0]!.port);
  await first.service.stop();
  try {
    assert.equal(a.version, LOCAL);
    assert.deepEqual(a.lists[0], [...OPENSSH_9_2.kex, 'kex-strict-s-v00@openssh.com']);
    assert.deepEqual(a.lists[1], ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519']);
    assert.deepEqual(a.lists[2], OPENSSH_9_2.cipher);
    assert.deepEqual(a.lists[4], OPENSSH_9_2.hmac);
    assert.deepEqual(a.lists[6], ['none', 'zlib@openssh.com']);
    for (const f of KEY_FILES) {
      assert.equal(statSync(join(stateDir, f)).mode & 0o777, 0o600, f);
    }
    const before = statSync(join(stateDir, 'ssh_host_ed25519_key')).mtimeMs;
    const again = factory({ ...first.h.ctx });
    await again.start();
    await again.stop();
    assert.equal(statSync(join(stateDir, 'ssh_host_ed25519_key')).mtimeMs, before);
  } finally {
    first.h.cleanup();
  }
});

test('ssh: tarpit delays each failed password by ssh.auth_delay_ms', {
  skip: !has('/usr/bin/python3') && 'python3 not installed',
}, async (t) => {
  const probe = await run('/usr/bin/python3', ['-c', 'import paramiko']).catch(() => null);
  if (!probe) return t.skip('python3-paramiko not installed');
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 400 });
  try {
    const script = `
import paramiko, sys, time
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.start_client(timeout=10)
for pw in ("a", "b"):
    t0 = time.monotonic()
    try:
        t.auth_password("root", pw)
    except paramiko.AuthenticationException:
        print(int((time.monotonic() - t0) * 1000))
t.close()
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, String(service.ports[0]!.port)], {
      timeout: 20_000,
    });
    const ms = stdout.trim().split('\n').map(Number);
    assert.equal(ms.length, 2);
    for (const m of ms) assert.ok(m >= 390 && m < 3000, `failure after ${m} ms`);
    assert.deepEqual(
      attempts(h.records).map((d) => d.PASSWORD),
      ['a', 'b'],
    );
  } finally {
    await stop();
  }
});

test('ssh: random bytes and a truncated handshake cost one connection, nothing else', async () => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const port = service.ports[0]!.port;
    const closed = (s: ReturnType<typeof connect>) => new Promise((r) => s.once('close', r));
    const junk = connect(port, '127.0.0.1');
    junk.on('error', () => {}).resume();
    junk.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\u0000\u00ff'.repeat(50)));
    await closed(junk);
    const cut = connect(port, '127.0.0.1');
    cut.on('error', () => {}).resume();
    cut.write('SSH-2.0-OpenSSH_9.2p1\r\n\u0000\u0000\u0001\u0010\u0004\u0014garbage-kexinit');
    cut.end();
    await closed(cut);
    assert.deepEqual(
      h.records.map((r) => r.logtype),
      [4000, 4000, 4001],
    );
    assert.ok((h.counts.get('ssh:protocol_error') ?? 0) >= 1);
    // the service still answers
    const { version } = await kexinit(port);
    assert.equal(version, LOCAL);
  } finally {
    await stop();
  }
});
