/**
 * SSH algorithm offer: OpenSSH 9.2's default server lists (sshd_config(5) of 9.2p1 as shipped in
 * Debian 12, including the strict-kex marker of the Terrapin fix) minus what ssh2 cannot speak
 * (sntrup761x25519, umac), so the KEXINIT looks like the banner's claim rather than like a Node
 * library. Host-key algorithms follow Debian's key files (rsa, ecdsa, ed25519) as sshd lists them.
 * `ssh.algorithms` may override any list: {kex, serverHostKey, cipher, hmac, compress}.
 */
import { KyokaError } from '@kyoka/core';
import { constants, KexInit, type KexInitOffer, type KexLists } from './ssh2-internals.ts';

export interface AlgorithmLists {
  kex: string[];
  serverHostKey: string[];
  cipher: string[];
  hmac: string[];
  compress: string[];
}

export const OPENSSH_9_2: Readonly<AlgorithmLists> = Object.freeze({
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
  ],
  hmac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  compress: ['none', 'zlib@openssh.com'],
});

const SUPPORTED: Record<keyof AlgorithmLists, string[]> = {
  kex: constants.SUPPORTED_KEX,
  serverHostKey: constants.SUPPORTED_SERVER_HOST_KEY,
  cipher: constants.SUPPORTED_CIPHER,
  hmac: constants.SUPPORTED_MAC,
  compress: constants.SUPPORTED_COMPRESSION,
};

/** The lists to offer: defaults (filtered to what this build supports) overridden by `ssh.algorithms`. */
export function algorithmLists(override: unknown): AlgorithmLists {
  const out = {} as AlgorithmLists;
  const o = (typeof override === 'object' && override !== null ? override : {}) as Record<string, unknown>;
  for (const key of Object.keys(SUPPORTED) as Array<keyof AlgorithmLists>) {
    const want = o[key];
    if (want === undefined) {
      out[key] = OPENSSH_9_2[key].filter((a) => SUPPORTED[key].includes(a));
      continue;
    }
    if (!Array.isArray(want) || want.length === 0 || !want.every((a) => typeof a === 'string')) {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `ssh.algorithms.${key}: expected a non-empty list of names`);
    }
    const bad = want.filter((a) => !SUPPORTED[key].includes(a));
    if (bad.length > 0) {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `ssh.algorithms.${key}: unsupported ${bad.join(', ')}`);
    }
    out[key] = [...want];
  }
  for (const key of Object.keys(o)) {
    if (!(key in SUPPORTED)) throw new KyokaError('KYOKA_E_BAD_CONFIG', `ssh.algorithms.${key}: unknown list`);
  }
  return out;
}

/** ssh2's KEXINIT offer; hostKeyAlgos are those with a loaded key, in the configured order. */
export function buildOffer(lists: AlgorithmLists, hostKeyAlgos: string[]): KexInitOffer {
  const side = { cipher: lists.cipher, mac: lists.hmac, compress: lists.compress, lang: [] };
  const kexLists: KexLists = {
    kex: [...lists.kex, 'kex-strict-s-v00@openssh.com'],
    serverHostKey: hostKeyAlgos,
    cs: side,
    sc: side,
  };
  return new KexInit(kexLists);
}
