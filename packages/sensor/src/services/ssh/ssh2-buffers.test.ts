/**
 * The SSH service's handshake buffers outside node's shared Buffer pool (./ssh2-internals.ts):
 * withoutBufferPool gives each small buffer its own memory and restores the pool setting even when
 * the callback throws; compactHandshake replaces ssh2's pooled slices by copies of the same bytes
 * and shares the ident line. A real ssh2 client object is checked end to end in ssh.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactHandshake, withoutBufferPool } from './ssh2-internals.ts';

const pooled = (b: Buffer) => b.buffer.byteLength > b.byteLength;

test('withoutBufferPool: small buffers get their own memory inside, the pool is back after', () => {
  const before = Buffer.poolSize;
  const [a, b] = withoutBufferPool(() => [Buffer.allocUnsafe(40), Buffer.from('SSH-2.0-OpenSSH_9.2p1')]);
  assert.equal(pooled(a!), false);
  assert.equal(pooled(b!), false);
  assert.equal(b!.toString(), 'SSH-2.0-OpenSSH_9.2p1');
  assert.equal(Buffer.poolSize, before);
  assert.equal(pooled(Buffer.allocUnsafe(40)), true);
  assert.throws(() =>
    withoutBufferPool(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(Buffer.poolSize, before);
});

test('compactHandshake: same bytes in memory of their own, the ident line shared', () => {
  const ident = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
  const shared = Buffer.allocUnsafeSlow(ident.length);
  ident.copy(shared);
  const kexinit = Buffer.from([20, ...Array.from({ length: 300 }, (_, i) => i & 255)]);
  const remote = Buffer.from('SSH-2.0-paramiko_3.4.0');
  assert.ok(pooled(kexinit) && pooled(remote) && pooled(ident));
  const proto: Record<string, Buffer | undefined> = { _identRaw: ident, _kexinit: kexinit, _remoteIdentRaw: remote };
  compactHandshake({ _protocol: proto }, shared);
  assert.equal(proto._identRaw, shared);
  assert.deepEqual(proto._kexinit, kexinit);
  assert.deepEqual(proto._remoteIdentRaw, remote);
  assert.equal(pooled(proto._kexinit!), false);
  assert.equal(pooled(proto._remoteIdentRaw!), false);
  // a different ident is left alone; missing fields and a client without _protocol are no-ops
  const other: Record<string, Buffer | undefined> = { _identRaw: Buffer.from('SSH-2.0-x'), _kexinit: undefined };
  compactHandshake({ _protocol: other }, shared);
  assert.equal(other._identRaw!.toString(), 'SSH-2.0-x');
  assert.equal(other._kexinit, undefined);
  compactHandshake({}, shared);
});
