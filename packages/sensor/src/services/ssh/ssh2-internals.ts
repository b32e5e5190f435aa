/**
 * Typed access to the parts of the ssh2 library the honeypot needs beyond its public Server: the
 * per-connection IncomingClient, KexInit and the algorithm tables. Server builds its KEXINIT from
 * host keys in a way that always adds `ssh-rsa` (SHA-1) next to an RSA key, which OpenSSH 9.2
 * never offers, so the SSH service builds the offer itself and hands sockets to IncomingClient,
 * exactly as Server.injectSocket() does inside ssh2. ssh2 1.x has no "exports" map, so these
 * paths are reachable; they are pinned by the package's major version.
 */
import { createPrivateKey, KeyObject, randomFillSync } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import Module, { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fastX25519 } from './ssh2-x25519.ts';

const require = createRequire(import.meta.url);

/**
 * ssh2 instantiates a WebAssembly Poly1305 (a 16 MB wasm memory, ~6 MB of RSS) when it is loaded,
 * but uses it only for chacha20-poly1305 without its native binding (or with `forceNative`, which
 * the honeypot never sets). When the binding loads and provides both ChaCha20-Poly1305 classes,
 * an inert stand-in takes the wasm module's place in require's cache; without the binding ssh2
 * gets the real module. Must run before ssh2's crypto.js is first required: every ssh2 load in the
 * sensor goes through this module.
 */
function skipUnusedPoly1305Wasm(): void {
  let binding: Record<string, unknown>;
  try {
    binding = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node') as Record<string, unknown>;
  } catch {
    return;
  }
  if (typeof binding.ChaChaPolyCipher !== 'function' || typeof binding.ChaChaPolyDecipher !== 'function') return;
  const wasmPath = require.resolve('ssh2/lib/protocol/crypto/poly1305.js');
  if (require.cache[wasmPath]) return;
  const unused = () => {
    throw new Error('ssh2 poly1305 wasm is not loaded: the native binding serves chacha20-poly1305');
  };
  const inert = async () => ({ _malloc: () => 0, cwrap: () => unused });
  const m = new Module(wasmPath);
  m.filename = wasmPath;
  m.loaded = true;
  m.exports = inert;
  require.cache[wasmPath] = m;
}
skipUnusedPoly1305Wasm();

export interface ParsedKey {
  type: string;
  getPrivatePEM(): string | null;
  getPublicSSH(): Buffer;
}

export interface KexLists {
  kex: string[];
  serverHostKey: string[];
  cs: { cipher: string[]; mac: string[]; compress: string[]; lang: string[] };
  sc: { cipher: string[]; mac: string[]; compress: string[]; lang: string[] };
}

export type KexInitOffer = object;

type IncomingClientCtor = new (
  socket: Socket,
  hostKeys: Record<string, ParsedKey>,
  ident: string | Buffer | undefined,
  offer: KexInitOffer,
  debug: ((msg: string) => void) | undefined,
  server: EventEmitter,
  cfg: Record<string, unknown>,
) => EventEmitter;

interface KexSelf {
  _offer: { totalSize: number; copyAllTo(buf: Buffer, offset: number): void };
  _compatFlags: number;
  _debug: undefined;
  _kexinit: Buffer | undefined;
  _cipher: { outSeqno: number; encrypt(packet: Buffer): void };
  _packetRW: { write: { allocStart: number } };
  [PRESENT]?: Buffer;
}
const kex = require('ssh2/lib/protocol/kex.js') as {
  KexInit: new (lists: KexLists) => KexInitOffer;
  kexinit(self: KexSelf): void;
};

/**
 * A KEXINIT the honeypot already put on the wire for this connection (presendKexinit): ssh2's
 * Protocol, created later, records it as the one it sent instead of sending another. ssh2's
 * Protocol.js takes `kexinit` from kex.js's exports when it is first loaded, so the hook is
 * installed before that; if something loaded Protocol.js first, KEXINITs are never present.
 */
const PRESENT = Symbol('kexinit already sent');
const origKexinit = kex.kexinit;
export const canPresendKexinit = !require.cache[require.resolve('ssh2/lib/protocol/Protocol.js')];
if (canPresendKexinit)
  kex.kexinit = (self) => {
    const sent = self[PRESENT];
    if (!sent) return origKexinit(self);
    self[PRESENT] = undefined;
    // what kexinit() leaves behind after sending: the payload for the exchange hash, the
    // writer's state, and one more outgoing sequence number (it counts for the MACs later)
    self._kexinit = sent;
    self._packetRW.write.allocStart = 0;
    self._cipher.outSeqno = (self._cipher.outSeqno + 1) >>> 0;
  };

fastX25519(); // loads Protocol.js: after the kexinit hook

const server = require('ssh2/lib/server.js') as { IncomingClient: IncomingClientCtor };
const keyParser = require('ssh2/lib/protocol/keyParser.js') as {
  parseKey(data: string | Buffer): ParsedKey | ParsedKey[] | Error;
};
export const constants = require('ssh2/lib/protocol/constants.js') as {
  COMPAT: Record<string, number>;
  COMPAT_CHECKS: Array<[string | RegExp, number]>;
  SUPPORTED_KEX: string[];
  SUPPORTED_CIPHER: string[];
  SUPPORTED_MAC: string[];
  SUPPORTED_SERVER_HOST_KEY: string[];
  SUPPORTED_COMPRESSION: string[];
  DISCONNECT_REASON: Record<string, number>;
};

const protoUtils = require('ssh2/lib/protocol/utils.js') as {
  sendPacket(proto: object, packet: Buffer, bypass?: boolean): void;
};

export const IncomingClient = server.IncomingClient;

/** ssh2's key generator (ssh2.utils.generateKeyPair), loaded through this module like the rest. */
export const generateKeyPair = (
  require('ssh2/lib/keygen.js') as {
    generateKeyPair(
      type: string,
      opts: { bits?: number },
      cb: (err: Error | null, keys: { private: string; public: string }) => void,
    ): void;
  }
).generateKeyPair;

interface ProtocolInternals {
  _handlers: Record<string, (...args: unknown[]) => void>;
  _packetRW: {
    write: {
      allocStartKEX: number;
      alloc(n: number, force?: boolean): Buffer;
      finalize(p: Buffer, force?: boolean): Buffer;
    };
  };
  serviceAccept(name: string): void;
}

function protocolOf(client: object): ProtocolInternals {
  return (client as { _protocol: ProtocolInternals })._protocol;
}

/**
 * OpenSSH answers every SERVICE_REQUEST for ssh-userauth until a login succeeds (paramiko and many
 * bots send one before each attempt); ssh2 disconnects on the second. This makes ssh2 answer too.
 */
export function allowRepeatedUserauthService(client: object): void {
  const proto = protocolOf(client);
  const orig = proto._handlers.SERVICE_REQUEST!;
  let accepted = false;
  proto._handlers.SERVICE_REQUEST = (p: unknown, service: unknown) => {
    if (accepted && service === 'ssh-userauth') return proto.serviceAccept(service);
    accepted = service === 'ssh-userauth';
    orig(p, service);
  };
}

/** SSH_MSG_DISCONNECT with a description, as OpenSSH's ssh_packet_disconnect() sends it. */
export function disconnectWithMessage(client: object, reason: number, message: string): void {
  const proto = protocolOf(client);
  const msg = Buffer.from(message, 'utf8');
  const len = 1 + 4 + 4 + msg.length + 4;
  const p = proto._packetRW.write.allocStartKEX;
  const packet = proto._packetRW.write.alloc(len, true);
  packet[p] = 1; // SSH_MSG_DISCONNECT
  packet.writeUInt32BE(reason, p + 1);
  packet.writeUInt32BE(msg.length, p + 5);
  packet.set(msg, p + 9);
  packet.writeUInt32BE(0, p + 9 + msg.length); // language tag
  protoUtils.sendPacket(proto, proto._packetRW.write.finalize(packet, true), true);
}
export const KexInit = kex.KexInit;

/**
 * Per-connection buffers ssh2 keeps for the whole key exchange (its ident line, the client's, the
 * KEXINIT it sent: the exchange hash needs them) are slices of node's shared 8 KiB Buffer pool,
 * and a slab lives as long as one of its slices: ~2 kB of pinned pool memory per connection
 * waiting in its handshake (10,000 idle SSH connections: ~20 MB). The constructor's buffers are
 * allocated outside the pool (withoutBufferPool); after ssh2 sent its KEXINIT (the same call that
 * reports the client's version line), compactHandshake() copies the other two into memory of their
 * own size and shares `ident` (the same bytes on every connection). The bytes never change.
 */
export function withoutBufferPool<T>(fn: () => T): T {
  const saved = Buffer.poolSize;
  Buffer.poolSize = 0; // allocUnsafe / from(string) then give each buffer its own memory
  try {
    return fn();
  } finally {
    Buffer.poolSize = saved;
  }
}

function ownCopy(b: Buffer): Buffer {
  if (b.byteLength === b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

export function compactHandshake(client: object, identRaw: Buffer): void {
  const proto = (client as { _protocol?: Record<string, Buffer | undefined> })._protocol;
  if (!proto) return;
  if (proto._identRaw?.equals(identRaw)) proto._identRaw = identRaw;
  for (const k of ['_kexinit', '_remoteIdentRaw']) {
    const b = proto[k];
    if (Buffer.isBuffer(b)) proto[k] = ownCopy(b);
  }
}

/**
 * Parses a host key. ssh2 keeps the private key as PEM text and hands it to crypto.sign() on
 * every key exchange, which re-parses it (2.6 ms per Ed25519 signature here, a fifth of an SSH
 * attempt's CPU); a KeyObject is accepted in the same place and costs 0.2 ms.
 */
export function parseKey(data: string | Buffer): ParsedKey {
  const k = keyParser.parseKey(data);
  if (k instanceof Error) throw k;
  const key = Array.isArray(k) ? k[0]! : k;
  const rec = key as unknown as Record<symbol, unknown>;
  const sym = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Private key PEM');
  if (sym && typeof rec[sym] === 'string') rec[sym] = createPrivateKey(rec[sym] as string);
  return key;
}

/** An outbound packet cipher of ssh2's crypto.js: allocPacket() leaves the payload at offset 5. */
export interface PacketCipher {
  outSeqno: number;
  allocPacket(payloadLen: number): Buffer;
  encrypt(packet: Buffer): void;
  free(): void;
}
/** ssh2's inbound decipher: calls onPayload per packet; onPayload returning false stops it there. */
export interface PacketDecipher {
  inSeqno: number;
  /** undefined: all of data consumed; a number: where it stopped. Throws on a bad length or MAC. */
  decrypt(data: Uint8Array, p: number, dataLen: number): number | undefined;
  free(): void;
}
export interface CipherInfo {
  keyLen: number;
  ivLen: number;
  authLen: number;
}
export interface MacInfo {
  len: number;
}
type OnPayload = (payload: Buffer) => boolean | undefined;
const cryptoMod = require('ssh2/lib/protocol/crypto.js') as {
  NullCipher: new (seqno: number, onWrite: (packet: Buffer) => void) => KexSelf['_cipher'] & PacketCipher;
  NullDecipher: new (seqno: number, onPayload: OnPayload) => PacketDecipher;
  createCipher(config: { outbound: Record<string, unknown> }): PacketCipher;
  createDecipher(config: { inbound: Record<string, unknown> }): PacketDecipher;
  CIPHER_INFO: Record<string, CipherInfo>;
  MAC_INFO: Record<string, MacInfo>;
};
/** ssh2's packet ciphers (framing, padding, MACs, AEAD), used by the lean transport as they are. */
export const packetCrypto = {
  NullCipher: cryptoMod.NullCipher,
  NullDecipher: cryptoMod.NullDecipher,
  createCipher: cryptoMod.createCipher,
  createDecipher: cryptoMod.createDecipher,
  CIPHER_INFO: cryptoMod.CIPHER_INFO,
  MAC_INFO: cryptoMod.MAC_INFO,
};

/** The private half of a key parsed by parseKey() (a KeyObject there). */
export function privateKeyOf(key: ParsedKey): KeyObject | null {
  const rec = key as unknown as Record<symbol, unknown>;
  const sym = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Private key PEM');
  const v = sym ? rec[sym] : undefined;
  return v instanceof KeyObject ? v : null;
}
const zlibMod = require('ssh2/lib/protocol/zlib.js') as { PacketWriter: new (p: object) => { allocStart: number } };

/** ssh2's compatibility flags for a client's software version (Protocol.js's getCompatFlags). */
function compatFlags(software: string): number {
  let flags = 0;
  for (const [rule, flag] of constants.COMPAT_CHECKS)
    if (typeof rule === 'string' ? software === rule : rule.test(software)) flags |= flag;
  return flags;
}

/** ssh2's pattern for an identification line (without its CR LF). */
export const RE_IDENT = /^SSH-(2\.0|1\.99)-([^ ]+)(?: (.*))?$/;

/** Per offer: a KEXINIT packet exactly as ssh2 frames it (built once by its own kexinit()). */
const kexinitTemplates = new WeakMap<KexInitOffer, Buffer>();

function kexinitTemplate(offer: KexInitOffer): Buffer {
  let t = kexinitTemplates.get(offer);
  if (!t) {
    let packet: Buffer | null = null;
    const self = { _offer: offer, _compatFlags: 0, _debug: undefined, _kexinit: undefined } as unknown as KexSelf;
    self._cipher = new cryptoMod.NullCipher(0, (p) => {
      packet = Buffer.from(p);
    });
    self._packetRW = { write: new zlibMod.PacketWriter(self) };
    origKexinit(self);
    t = packet as unknown as Buffer;
    kexinitTemplates.set(offer, t);
  }
  return t;
}

/**
 * Sends the KEXINIT ssh2 would send to a client that sent `software` as its version: ssh2's own
 * packet for this offer (kexinitTemplate) with a fresh random cookie and padding, as ssh2 draws
 * them per connection. Returns the cookie (latin1): with the offer, all it takes to rebuild the
 * payload when the real Protocol is created. null (nothing sent) when ssh2 would alter the
 * offer for this client (BAD_DHGEX).
 */
export function presendKexinit(write: (packet: Buffer) => void, offer: KexInitOffer, software: string): string | null {
  if (compatFlags(software) & (constants.COMPAT.BAD_DHGEX ?? 0)) return null;
  const t = kexinitTemplate(offer);
  const padLen = t[4] as number;
  const packet = Buffer.allocUnsafeSlow(t.length);
  t.copy(packet);
  randomFillSync(packet, 6, 16); // after length, padding length and the message number
  randomFillSync(packet, packet.length - padLen, padLen);
  write(packet);
  return packet.toString('latin1', 6, 22);
}

/** The payload presendKexinit() sent: type, cookie, the offer's lists, first_kex_packet_follows and reserved. */
export function kexinitPayload(offer: KexInitOffer, cookie: string): Buffer {
  const o = offer as KexSelf['_offer'];
  const payload = Buffer.allocUnsafeSlow(1 + 16 + o.totalSize + 1 + 4);
  payload[0] = 20; // SSH_MSG_KEXINIT
  payload.write(cookie, 1, 16, 'latin1');
  o.copyAllTo(payload, 17);
  payload.fill(0, payload.length - 5);
  return payload;
}

/**
 * For a connection the honeypot began itself: the client's Protocol does not send its
 * identification line (already sent) and, given `payload`, takes it as the KEXINIT it sent.
 */
export function adoptStartedConnection(client: object, payload: Buffer | null): void {
  const proto = (client as { _protocol: KexSelf & { start?: () => void } })._protocol;
  if (payload) proto[PRESENT] = payload;
  proto.start = () => {};
}
