import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fastX25519, toMpint, x25519KeyPair } from './ssh2-x25519.ts';

const require = createRequire(import.meta.url);

test('toMpint: leading zeros dropped, a sign byte before a high bit', () => {
  assert.deepEqual(toMpint(Buffer.from([0, 0, 0x12, 0x34])), Buffer.from([0x12, 0x34]));
  assert.deepEqual(toMpint(Buffer.from([0, 0x80, 1])), Buffer.from([0, 0x80, 1]));
  assert.deepEqual(toMpint(Buffer.from([0xff])), Buffer.from([0, 0xff]));
  assert.deepEqual(toMpint(Buffer.from([0x7f, 0])), Buffer.from([0x7f, 0]));
});

/** Stands in for ssh2's private Curve25519Exchange: same fields and methods, DER-based like ssh2. */
class FakeExchange {
  type = '25519';
  _keys: { publicKey: KeyObject | Buffer; privateKey: KeyObject } | null = null;
  generateKeys(): void {
    this._keys ??= generateKeyPairSync('x25519');
  }
  getPublicKey(): Buffer {
    throw new Error('not patched');
  }
  computeSecret(_other: Buffer): Buffer | Error {
    throw new Error('not patched');
  }
}

test('fastX25519: the exchange stored on a Protocol is patched; same public key and secret as DER', () => {
  fastX25519();
  const Protocol = require('ssh2/lib/protocol/Protocol.js') as { prototype: object };
  const proto = Object.create(Protocol.prototype) as { _kex: unknown };
  const kex = new FakeExchange();
  proto._kex = kex;
  assert.equal(proto._kex, kex);

  const pub = kex.getPublicKey();
  const der = createPublicKey(kex._keys!.privateKey).export({ type: 'spki', format: 'der' });
  assert.deepEqual(pub, der.subarray(-32));

  const peer = generateKeyPairSync('x25519');
  const peerRaw = peer.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const expected = toMpint(diffieHellman({ privateKey: kex._keys!.privateKey, publicKey: peer.publicKey }));
  assert.deepEqual(kex.computeSecret(peerRaw), expected);
  // and the peer derives the same secret from our raw public key
  const back = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: pub.toString('base64url') }, format: 'jwk' });
  assert.deepEqual(toMpint(diffieHellman({ privateKey: peer.privateKey, publicKey: back })), expected);

  // a malformed client key is an Error return (ssh2 fails the key exchange), never a throw
  assert.ok(kex.computeSecret(Buffer.alloc(31)) instanceof Error);
});

test('x25519KeyPair: 20,000 key exchanges in a row finish (the KeyObject JWK export deadlocked Node 20)', () => {
  // In a child process, so a deadlock is a timeout here instead of a hung test run. With the
  // public key exported from the new KeyObject, every one of ten runs of this loop hung.
  const self = fileURLToPath(new URL('./ssh2-x25519.ts', import.meta.url));
  const script = `
    import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
    import { x25519KeyPair } from ${JSON.stringify(self)};
    const peer = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x;
    const keep = [];
    for (let i = 0; i < 20000; i++) {
      const k = x25519KeyPair();
      const other = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer }, format: 'jwk' });
      if (diffieHellman({ privateKey: k.privateKey, publicKey: other }).length !== 32 || k.publicKey.length !== 32)
        throw new Error('bad exchange');
      keep.push({ i, pad: new Array(16).fill(i) }); // a server's other allocations, so GCs fall anywhere
      if (keep.length > 64) keep.length = 0;
    }
    process.stdout.write('done');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 60_000,
    encoding: 'utf8',
  });
  assert.equal(r.signal, null, 'the key exchanges hung');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'done');
  const again = x25519KeyPair();
  assert.equal(again.privateKey.asymmetricKeyType, 'x25519');
});
