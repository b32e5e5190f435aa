/**
 * The client's KEXINIT and the algorithms both sides agree on (RFC 4253 §7.1: for each list, the
 * first of the client's names the server also offers). The lean transport takes a connection only
 * when everything agreed is something it speaks: a curve25519 exchange, no guessed first packet.
 * Anything else (other exchanges, a malformed KEXINIT, no common algorithm) stays with ssh2, which
 * answers those cases as it always has.
 */
import type { AlgorithmLists } from '../algorithms.ts';
import { packetCrypto } from '../ssh2-internals.ts';
import { Reader } from './wire.ts';

export interface Direction {
  cipher: string;
  /** '' for AEAD ciphers (chacha20-poly1305, aes-gcm): their tag is the MAC. */
  mac: string;
  compress: string;
}

export interface Negotiated {
  kex: 'curve25519-sha256' | 'curve25519-sha256@libssh.org';
  hostKey: string;
  cs: Direction;
  sc: Direction;
  /** The client offered kex-strict-c-v00@openssh.com (the Terrapin countermeasure). */
  strict: boolean;
  /** The client offered ext-info-c: it gets an EXT_INFO after NEWKEYS. */
  extInfo: boolean;
}

const LEAN_KEX = new Set(['curve25519-sha256', 'curve25519-sha256@libssh.org']);

function pick(client: string[], server: readonly string[]): string | undefined {
  for (const a of client) if (server.includes(a)) return a;
  return undefined;
}

/**
 * `payload`: the client's KEXINIT (message number 20 first); `lists`: what the server offered,
 * host keys limited to those loaded. null: not for the lean transport.
 */
export function negotiate(payload: Uint8Array, lists: AlgorithmLists): Negotiated | null {
  if (payload[0] !== 20) return null;
  const r = new Reader(payload, 17); // message number, 16-byte cookie
  const l: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const names = r.nameList();
    if (names === undefined) return null;
    l.push(names);
  }
  const follows = r.bool();
  if (follows === undefined || follows) return null;
  const [kexC, hostC, encCS, encSC, macCS, macSC, compCS, compSC] = l as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  const kex = pick(kexC, lists.kex);
  if (kex === undefined || !LEAN_KEX.has(kex)) return null;
  const hostKey = pick(hostC, lists.serverHostKey);
  const cs = direction(encCS, macCS, compCS, lists);
  const sc = direction(encSC, macSC, compSC, lists);
  if (hostKey === undefined || cs === null || sc === null) return null;
  return {
    kex: kex as Negotiated['kex'],
    hostKey,
    cs,
    sc,
    strict: kexC.includes('kex-strict-c-v00@openssh.com'),
    extInfo: kexC.includes('ext-info-c'),
  };
}

function direction(enc: string[], mac: string[], comp: string[], lists: AlgorithmLists): Direction | null {
  const cipher = pick(enc, lists.cipher);
  const compress = pick(comp, lists.compress);
  if (cipher === undefined || compress === undefined) return null;
  // zlib (not delayed) would start at NEWKEYS; zlib@openssh.com starts after a login, never here
  if (compress !== 'none' && compress !== 'zlib@openssh.com') return null;
  // AEAD ciphers (chacha20-poly1305, aes-gcm) carry their own tag: no MAC is agreed
  if ((packetCrypto.CIPHER_INFO[cipher]?.authLen ?? 0) > 0) return { cipher, mac: '', compress };
  const m = pick(mac, lists.hmac);
  return m === undefined ? null : { cipher, mac: m, compress };
}
