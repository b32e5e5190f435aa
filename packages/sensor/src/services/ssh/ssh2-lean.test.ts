/**
 * ssh2 loaded the sensor's way (./ssh2-internals.ts): with the native binding present, ssh2's
 * WebAssembly Poly1305 is replaced by an inert stand-in (it would cost ~6 MB of RSS and is unused),
 * and an OpenSSH client forcing chacha20-poly1305 still completes the key exchange and gets its
 * password attempt logged.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startService } from '../../testing/harness.ts';
import { factory } from './index.ts';
import './ssh2-internals.ts';

const require = createRequire(import.meta.url);

function bindingHasChaCha(): boolean {
  try {
    const b = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as Record<string, unknown>;
    return typeof b.ChaChaPolyCipher === 'function' && typeof b.ChaChaPolyDecipher === 'function';
  } catch {
    return false;
  }
}

test('ssh2: the Poly1305 wasm is skipped exactly when the native binding serves chacha20-poly1305', async () => {
  const cached = require.cache[require.resolve('ssh2/lib/protocol/crypto/poly1305.js')];
  assert.ok(cached, 'ssh2 crypto is loaded');
  const mod = (await (cached.exports as () => Promise<{ cwrap(): () => void }>)()) as { cwrap(): () => void };
  if (bindingHasChaCha()) assert.throws(() => mod.cwrap()(), /not loaded/);
  else assert.equal(typeof mod.cwrap, 'function'); // the real Emscripten module
});

test('ssh2: OpenSSH with chacha20-poly1305 completes the handshake and is logged', {
  skip: !existsSync('/usr/bin/ssh') && 'ssh not installed',
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyoka-ssh-lean-'));
  writeFileSync(join(dir, 'askpass.sh'), '#!/bin/sh\necho "chacha pw"\n', { mode: 0o700 });
  const { service, h, stop } = await startService(factory, { 'ssh.port': 0, 'ssh.auth_delay_ms': 0 });
  try {
    const args = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=no'];
    args.push('-o', 'PreferredAuthentications=password', '-o', 'NumberOfPasswordPrompts=1');
    args.push('-c', 'chacha20-poly1305@openssh.com', '-p', String(service.ports[0]!.port), 'root@127.0.0.1', 'true');
    await promisify(execFile)('ssh', args, {
      env: { ...process.env, SSH_ASKPASS: join(dir, 'askpass.sh'), SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      timeout: 20_000,
    }).catch(() => {}); // the login fails, as it must
    const r = await h.waitFor((x) => x.logtype === 4002);
    assert.equal((r.logdata as { PASSWORD: string }).PASSWORD, 'chacha pw');
    assert.equal(h.counts.get('ssh:protocol_error') ?? 0, 0);
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
