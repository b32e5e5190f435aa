/**
 * The server's half of a curve25519-sha256 key exchange (RFC 8731, RFC 4253 §7.2 and §8): the
 * ECDH reply (host key, ephemeral public key, signature of the exchange hash) and the session
 * keys (RFC 4253 §7.2). All cryptography is node:crypto's (OpenSSL); this file only lays out the
 * bytes the RFCs hash and sign.
 */
import { createHash, type KeyObject, sign } from 'node:crypto';
import { x25519KeyPair, x25519Secret } from '../ssh2-x25519.ts';
import { mpint, sizeOf, Writer } from './wire.ts';

/** A host key as the exchange uses it: its public blob (K_S) and a signature of H in SSH form. */
export interface HostSigner {
  blob: Buffer;
  /** The signature blob's inner bytes for this algorithm. */
  sign(h: Buffer): Buffer;
}

/** Signers for the host-key algorithms the lean transport speaks, by KEXINIT name. */
export function hostSigner(algo: string, blob: Buffer, key: KeyObject): HostSigner | null {
  switch (algo) {
    case 'ssh-ed25519':
      return { blob, sign: (h) => sign(null, h, key) };
    case 'rsa-sha2-512':
      return { blob, sign: (h) => sign('sha512', h, key) };
    case 'rsa-sha2-256':
      return { blob, sign: (h) => sign('sha256', h, key) };
    case 'ssh-rsa':
      return { blob, sign: (h) => sign('sha1', h, key) };
    case 'ecdsa-sha2-nistp256':
      return {
        blob,
        sign: (h) => {
          // r and s as two mpints (RFC 5656 §3.1.2)
          const rs = sign('sha256', h, { key, dsaEncoding: 'ieee-p1363' });
          return Buffer.concat([mpint(rs.subarray(0, 32)), mpint(rs.subarray(32))]);
        },
      };
    default:
      return null;
  }
}

export interface ExchangeInput {
  /** Identification lines without CR LF: the client's (V_C) and the server's (V_S). */
  vc: Buffer;
  vs: Buffer;
  /** KEXINIT payloads: the client's (I_C) and the server's (I_S). */
  ic: Uint8Array;
  is: Uint8Array;
  hostAlgo: string;
  host: HostSigner;
  /** The client's ephemeral public key (Q_C). */
  qc: Uint8Array;
}

export interface ExchangeResult {
  /** SSH_MSG_KEX_ECDH_REPLY's payload. */
  reply: Buffer;
  /** The exchange hash H (the session id of a first exchange). */
  h: Buffer;
  /** The shared secret K as an mpint, as key derivation hashes it. */
  k: Buffer;
}

const MSG_KEX_ECDH_REPLY = 31;

/** Throws on a malformed or low-order client key (OpenSSL refuses an all-zero secret). */
export function curve25519Exchange(x: ExchangeInput): ExchangeResult {
  if (x.qc.length !== 32) throw new Error('X25519 public key of the wrong length');
  const eph = x25519KeyPair();
  const k = mpint(x25519Secret(eph.privateKey, x.qc));
  const hash = createHash('sha256');
  for (const part of [x.vc, x.vs, x.ic, x.is, x.host.blob, x.qc, eph.publicKey]) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(part.length, 0);
    hash.update(len);
    hash.update(part);
  }
  hash.update(k);
  const h = hash.digest();
  const sig = x.host.sign(h);
  const sigLen = sizeOf.string(x.hostAlgo) + sizeOf.string(sig);
  const reply = Buffer.allocUnsafe(1 + sizeOf.string(x.host.blob) + sizeOf.string(eph.publicKey) + 4 + sigLen);
  new Writer(reply, 0)
    .byte(MSG_KEX_ECDH_REPLY)
    .string(x.host.blob)
    .string(eph.publicKey)
    .uint32(sigLen)
    .string(x.hostAlgo)
    .string(sig);
  return { reply, h, k };
}

/**
 * One derived key (RFC 4253 §7.2): HASH(K || H || letter || session_id), extended by
 * HASH(K || H || K1 || K2 ...) until `len` bytes.
 */
export function deriveKey(len: number, k: Buffer, h: Buffer, letter: string, sessionId: Buffer): Buffer {
  if (len === 0) return Buffer.alloc(0);
  let out = createHash('sha256').update(k).update(h).update(letter, 'latin1').update(sessionId).digest();
  while (out.length < len) {
    out = Buffer.concat([out, createHash('sha256').update(k).update(h).update(out).digest()]);
  }
  return out.subarray(0, len);
}
