/**
 * ssh2's curve25519 key exchange moves X25519 keys in and out of OpenSSL as DER (SPKI): an
 * export of its ephemeral public key and a createPublicKey() of the client's. With OpenSSL 3 each
 * of those walks the provider's encoder/decoder tables: ~0.28 ms apiece here, a fifth of an SSH
 * honeypot attempt's CPU. The same keys as JWK take 3 µs and 31 µs. The exchange class is private
 * to ssh2's kex.js, so its prototype is patched the first time a Protocol stores one (an accessor
 * for `_kex` on Protocol's prototype; every ssh2 Protocol sets `_kex` when a KEXINIT arrives).
 * Same bytes on the wire, same shared secret; pinned by ssh2's major version (tests cover both).
 *
 * The public half comes out of the key generation itself as JWK, never from exporting the new
 * KeyObject afterwards: Node 20's JWK export of an X25519 key holds the key's mutex while it
 * allocates the strings, a GC in that allocation can finalize the generation job of that same
 * key, and the job's destructor takes the same mutex, so the process deadlocks (a loop of 20,000
 * exchanges with the export hung in every run; ssh2-x25519.test.ts runs one in a child process).
 */
import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Curve25519Like {
  type: string;
  /** ssh2 keeps two KeyObjects here; patched, the public key is its 32 raw bytes. */
  _keys: { publicKey: KeyObject | Buffer; privateKey: KeyObject } | null;
  generateKeys(): void;
  getPublicKey(): Buffer;
  computeSecret(other: Buffer): Buffer | Error;
}

/** SSH mpint of an unsigned big-endian number (ssh2's convertToMpint): no leading zeros, sign byte. */
export function toMpint(buf: Buffer): Buffer {
  let idx = 0;
  while (idx < buf.length && buf[idx] === 0) idx++;
  if (idx < buf.length && (buf[idx] as number) & 0x80) {
    const out = Buffer.allocUnsafe(1 + buf.length - idx);
    out[0] = 0;
    buf.copy(out, 1, idx);
    return out;
  }
  return idx === 0 ? buf : buf.subarray(idx);
}

/** generateKeyPairSync with a JWK public key encoding (Node has it; @types/node types only PEM/DER for x25519). */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: 'x25519',
  options: { publicKeyEncoding: { format: 'jwk' } },
) => { publicKey: { x: string }; privateKey: KeyObject };

/** An X25519 key pair: the private KeyObject and the public key's raw bytes (see above). */
export function x25519KeyPair(): { publicKey: Buffer; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' } });
  return { publicKey: Buffer.from(publicKey.x, 'base64url'), privateKey };
}

/** The X25519 shared secret with a peer's raw 32-byte public key, imported as JWK (see above). */
export function x25519Secret(privateKey: KeyObject, peer: Uint8Array): Buffer {
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') },
    format: 'jwk',
  });
  return diffieHellman({ privateKey, publicKey });
}

function patchPrototype(proto: Curve25519Like): void {
  proto.generateKeys = function generateKeys(this: Curve25519Like): void {
    this._keys ??= x25519KeyPair();
  };
  proto.getPublicKey = function getPublicKey(this: Curve25519Like): Buffer {
    this.generateKeys();
    return this._keys!.publicKey as Buffer;
  };
  proto.computeSecret = function computeSecret(this: Curve25519Like, other: Buffer): Buffer | Error {
    this.generateKeys();
    try {
      if (other.length !== 32) throw new Error('Invalid X25519 public key length');
      return toMpint(x25519Secret(this._keys!.privateKey, other));
    } catch (err) {
      return err as Error; // ssh2 turns a returned Error into a key-exchange failure
    }
  };
}

let installed = false;

/** Installs the patch (idempotent). Must run before the first key exchange. */
export function fastX25519(): void {
  if (installed) return;
  installed = true;
  const Protocol = require('ssh2/lib/protocol/Protocol.js') as { prototype: object };
  const KEX = Symbol('kyoka.kex');
  let patched = false;
  Object.defineProperty(Protocol.prototype, '_kex', {
    configurable: true,
    get(this: Record<symbol, unknown>) {
      return this[KEX];
    },
    set(this: Record<symbol, unknown>, v: unknown) {
      if (!patched && v && (v as Curve25519Like).type === '25519') {
        patched = true;
        patchPrototype(Object.getPrototypeOf(v) as Curve25519Like);
      }
      this[KEX] = v;
    },
  });
}
