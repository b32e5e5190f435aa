/**
 * The lean SSH transport (./lean/) against real clients: OpenSSH's `ssh` with every cipher, MAC
 * and host-key algorithm the sensor offers, keyboard-interactive, EXT_INFO as sshd 9.2 sends it,
 * the hand-over to ssh2 for other key exchanges, and `ssh.transport: ssh2`. Plus the negotiation
 * rules on hand-made KEXINITs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type CapturedRecord, startService } from '../../testing/harness.ts';
import { algorithmLists } from './algorithms.ts';
import { factory } from './index.ts';
import { negotiate } from './lean/negotiate.ts';

const run = promisify(execFile);
const skip = !existsSync('/usr/bin/ssh') && 'ssh not installed';
const BASE = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=no'];

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyoka-ssh-lean-'));
  writeFileSync(join(dir, 'askpass.sh'), '#!/bin/sh\necho "lean pw"\n', { mode: 0o700 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One OpenSSH try with `opts`, a password from the askpass script; ssh's stderr (-v when asked). */
async function sshTry(port: number, opts: string[]): Promise<string> {
  const out = await run(
    'ssh',
    [...BASE, ...opts, '-o', 'NumberOfPasswordPrompts=1', '-p', String(port), 'lean@127.0.0.1', 'true'],
    {
      env: { ...process.env, SSH_ASKPASS: join(dir, 'askpass.sh'), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      timeout: 20_000,
    },
  ).catch((e: { stderr: string }) => e);
  return String((out as { stderr: string }).stderr);
}

const passwords = (records: CapturedRecord[]) =>
  records.filter((r) => r.logtype === 4002).map((r) => r.logdata.PASSWORD);

test('lean transport: every offered cipher, MAC and host-key algorithm with OpenSSH', { skip }, async () => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const port = service.ports[0]!.port;
    const cases: Array<[string, string[]]> = [
      ['chacha20-poly1305', ['-c', 'chacha20-poly1305@openssh.com']],
      ['aes128-gcm', ['-c', 'aes128-gcm@openssh.com']],
      ['aes256-gcm', ['-c', 'aes256-gcm@openssh.com']],
      ['aes128-ctr + hmac-sha2-256-etm', ['-c', 'aes128-ctr', '-m', 'hmac-sha2-256-etm@openssh.com']],
      ['aes192-ctr + hmac-sha2-512', ['-c', 'aes192-ctr', '-m', 'hmac-sha2-512']],
      ['aes256-ctr + hmac-sha1-etm', ['-c', 'aes256-ctr', '-m', 'hmac-sha1-etm@openssh.com']],
      ['aes128-ctr + hmac-sha1', ['-c', 'aes128-ctr', '-m', 'hmac-sha1']],
      ['curve25519-sha256@libssh.org', ['-o', 'KexAlgorithms=curve25519-sha256@libssh.org']],
      ['rsa-sha2-512 host key', ['-o', 'HostKeyAlgorithms=rsa-sha2-512']],
      ['rsa-sha2-256 host key', ['-o', 'HostKeyAlgorithms=rsa-sha2-256']],
      ['ecdsa-sha2-nistp256 host key', ['-o', 'HostKeyAlgorithms=ecdsa-sha2-nistp256']],
      ['compression offered', ['-C']],
    ];
    for (const [name, opts] of cases) {
      const before = passwords(h.records).length;
      const stderr = await sshTry(port, ['-o', 'PreferredAuthentications=password', ...opts]);
      assert.match(stderr, /Permission denied \(publickey,password\)/, `${name}: ${stderr}`);
      assert.deepEqual(passwords(h.records).slice(before), ['lean pw'], name);
    }
    assert.equal(h.counts.get('ssh:transport_lean'), cases.length);
    assert.equal(h.counts.get('ssh:transport_ssh2'), undefined);
  } finally {
    await stop();
  }
});

test('lean transport: EXT_INFO as sshd 9.2 sends it, strict kex, keyboard-interactive', { skip }, async () => {
  const { service, h, stop } = await startService(factory, {
    'ssh.port': 0,
    'ssh.auth_delay_ms': 0,
    'ssh.keyboard_interactive': true,
  });
  try {
    const port = service.ports[0]!.port;
    const stderr = await sshTry(port, ['-v', '-o', 'PreferredAuthentications=keyboard-interactive']);
    assert.match(
      stderr,
      /kex_input_ext_info: server-sig-algs=<ssh-ed25519,sk-ssh-ed25519@openssh\.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh\.com,webauthn-sk-ecdsa-sha2-nistp256@openssh\.com,ssh-dss,ssh-rsa,rsa-sha2-256,rsa-sha2-512>/,
    );
    assert.match(stderr, /kex_input_ext_info: publickey-hostbound@openssh\.com=<0>/);
    assert.match(stderr, /Authentications that can continue: publickey,password,keyboard-interactive/);
    assert.deepEqual(passwords(h.records), ['lean pw']);
    assert.equal(h.counts.get('ssh:transport_lean'), 1);
  } finally {
    await stop();
  }
});

test('lean transport: other key exchanges go to ssh2; ssh.transport ssh2 keeps every connection there', {
  skip,
}, async () => {
  const a = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const port = a.service.ports[0]!.port;
    for (const kex of ['ecdh-sha2-nistp256', 'diffie-hellman-group14-sha256']) {
      const stderr = await sshTry(port, ['-o', 'PreferredAuthentications=password', '-o', `KexAlgorithms=${kex}`]);
      assert.match(stderr, /Permission denied/, `${kex}: ${stderr}`);
    }
    assert.deepEqual(passwords(a.h.records), ['lean pw', 'lean pw']);
    assert.equal(a.h.counts.get('ssh:transport_ssh2'), 2);
    assert.equal(a.h.counts.get('ssh:transport_lean'), undefined);
  } finally {
    await a.stop();
  }
  const b = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0, 'ssh.transport': 'ssh2' });
  try {
    const stderr = await sshTry(b.service.ports[0]!.port, ['-o', 'PreferredAuthentications=password']);
    assert.match(stderr, /Permission denied/);
    assert.deepEqual(passwords(b.h.records), ['lean pw']);
    assert.equal(b.h.counts.get('ssh:transport_ssh2'), 1);
  } finally {
    await b.stop();
  }
  await assert.rejects(
    startService(factory, { 'ssh.port': 0, 'ssh.transport': 'fast' }),
    /ssh\.transport: expected "lean" or "ssh2"/,
  );
});

/** A KEXINIT payload from ten name-lists and the first_kex_packet_follows flag. */
function kexinit(lists: string[][], follows = false): Buffer {
  const parts: Buffer[] = [Buffer.of(20), Buffer.alloc(16)];
  for (const l of lists) {
    const s = Buffer.from(l.join(','), 'latin1');
    const n = Buffer.alloc(4);
    n.writeUInt32BE(s.length);
    parts.push(n, s);
  }
  parts.push(Buffer.of(follows ? 1 : 0), Buffer.alloc(4));
  return Buffer.concat(parts);
}

test('negotiate: the client first common algorithm per list; null where ssh2 must answer', () => {
  const lists = algorithmLists(undefined);
  const client = (kex: string[], cipher = ['aes256-ctr', 'aes128-ctr'], mac = ['hmac-sha1', 'hmac-sha2-256']) => [
    kex,
    ['ssh-dss', 'ssh-ed25519', 'rsa-sha2-512'],
    cipher,
    cipher,
    mac,
    mac,
    ['zlib', 'none'],
    ['none'],
    [],
    [],
  ];
  const n = negotiate(kexinit(client(['curve25519-sha256', 'ext-info-c', 'kex-strict-c-v00@openssh.com'])), lists);
  assert.deepEqual(n, {
    kex: 'curve25519-sha256',
    hostKey: 'ssh-ed25519',
    cs: { cipher: 'aes256-ctr', mac: 'hmac-sha1', compress: 'none' },
    sc: { cipher: 'aes256-ctr', mac: 'hmac-sha1', compress: 'none' },
    strict: true,
    extInfo: true,
  });
  // an AEAD cipher agrees no MAC (even with no common MAC)
  const aead = negotiate(
    kexinit(client(['curve25519-sha256@libssh.org'], ['aes128-gcm@openssh.com'], ['umac-64@openssh.com'])),
    lists,
  );
  assert.deepEqual(aead?.cs, { cipher: 'aes128-gcm@openssh.com', mac: '', compress: 'none' });
  assert.equal(aead?.strict, false);
  assert.equal(aead?.extInfo, false);
  // for ssh2: another exchange first, a guessed first packet, nothing in common, truncated lists
  assert.equal(negotiate(kexinit(client(['ecdh-sha2-nistp256', 'curve25519-sha256'])), lists), null);
  assert.equal(negotiate(kexinit(client(['curve25519-sha256']), true), lists), null);
  assert.equal(negotiate(kexinit(client(['curve25519-sha256'], ['3des-cbc'])), lists), null);
  assert.equal(negotiate(kexinit(client(['curve25519-sha256'], ['aes128-ctr'], ['hmac-md5'])), lists), null);
  const whole = kexinit(client(['curve25519-sha256']));
  for (const cut of [0, 1, 17, 30, whole.length - 6])
    assert.equal(negotiate(whole.subarray(0, cut), lists), null, `cut ${cut}`);
});

/** An unencrypted packet around `payload` (RFC 4253 §6, block size 8). */
function packet(payload: Buffer): Buffer {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const p = Buffer.alloc(5 + payload.length + pad);
  p.writeUInt32BE(p.length - 4, 0);
  p[4] = pad;
  payload.copy(p, 5);
  return p;
}

/** Sends a version line, a KEXINIT the lean transport takes, then `after`; resolves when the server closes. */
function hostileClient(port: number, after: Buffer, strict: boolean): Promise<void> {
  const kex = ['curve25519-sha256', ...(strict ? ['kex-strict-c-v00@openssh.com'] : [])];
  const side = [['aes128-ctr'], ['aes128-ctr'], ['hmac-sha2-256'], ['hmac-sha2-256'], ['none'], ['none'], [], []];
  const init = packet(kexinit([kex, ['ssh-ed25519'], ...side]));
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write('SSH-2.0-hostile_1.0\r\n');
      setTimeout(() => s.write(Buffer.concat([init, after])), 50);
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve());
    setTimeout(() => reject(new Error('server did not close')), 5000);
  });
}

test('lean transport: garbage after the KEXINIT and messages outside a strict exchange close that connection only', {
  skip,
}, async () => {
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const port = service.ports[0]!.port;
    // a packet length over the limit, then a KEX_ECDH_INIT whose key is not 32 bytes
    await hostileClient(port, Buffer.alloc(64, 0xff), false);
    await hostileClient(port, packet(Buffer.concat([Buffer.of(30, 0, 0, 0, 3), Buffer.from('abc')])), false);
    // strict mode: an IGNORE inside the exchange is refused
    await hostileClient(port, packet(Buffer.of(2, 0, 0, 0, 0)), true);
    assert.equal(h.counts.get('ssh:transport_lean'), 3);
    assert.equal(h.counts.get('ssh:bad_packet'), 1);
    assert.equal(h.counts.get('ssh:kex_failed'), 1);
    assert.equal(h.counts.get('ssh:kex_protocol'), 1);
    const stderr = await sshTry(port, ['-o', 'PreferredAuthentications=password']);
    assert.match(stderr, /Permission denied/);
    assert.deepEqual(passwords(h.records), ['lean pw']);
  } finally {
    await stop();
  }
});
