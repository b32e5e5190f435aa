/**
 * bench/honeypot/floor: the CPU an SSH server spends on cryptography alone per paramiko attempt
 * (run.ts's ssh load), with no sockets, no protocol parsing and no logging: what any Node.js
 * implementation pays through node:crypto (OpenSSL) whatever it does above. The algorithms are
 * the ones paramiko negotiates against Kyoka's offer: curve25519-sha256, ssh-ed25519,
 * aes128-ctr, hmac-sha2-256. Per attempt: an ephemeral X25519 key pair (public half as JWK), the client's public key
 * imported (raw, through JWK: the cheapest import node:crypto has), the shared secret, the
 * exchange hash over both version lines, both KEXINITs and the keys, one Ed25519 signature, six
 * derived keys, two ciphers and MAC keys, and four packets each way (EXT_INFO, SERVICE_ACCEPT,
 * USERAUTH_FAILURE, DISCONNECT out; NEWKEYS-encrypted requests in) padded, encrypted and MACed.
 * A measuring stick, not Kyoka code. Plain JavaScript so it runs without tsx.
 *
 *   node kex-crypto.mjs [ATTEMPTS]
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomFillSync,
  sign,
} from 'node:crypto';

const N = Number(process.argv[2] ?? 5000);
const host = generateKeyPairSync('ed25519').privateKey;
const hostBlob = Buffer.alloc(51, 7); // ssh-ed25519 public key blob, its size
const clientPub = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } }).publicKey.x;
const identC = Buffer.from('SSH-2.0-paramiko_3.4.0');
const identS = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
const kexinitC = Buffer.alloc(1000, 1); // paramiko's KEXINIT is ~1 kB, Kyoka's ~1.1 kB
const kexinitS = Buffer.alloc(1100, 2);

function packet(cipher, macKey, seq, payloadLen) {
  const padLen = 16 - ((5 + payloadLen) % 16) + ((5 + payloadLen) % 16 > 12 ? 16 : 0);
  const p = Buffer.allocUnsafe(5 + payloadLen + padLen);
  p.writeUInt32BE(1 + payloadLen + padLen, 0);
  p[4] = padLen;
  p.fill(0x41, 5, 5 + payloadLen);
  randomFillSync(p, 5 + payloadLen, padLen);
  const seqBuf = Buffer.allocUnsafe(4);
  seqBuf.writeUInt32BE(seq, 0);
  const mac = createHmac('sha256', macKey).update(seqBuf).update(p).digest();
  return Buffer.concat([cipher.update(p), mac]);
}

const k = Buffer.alloc(16, 9);
const INCOMING = [0, 1, 2, 3].map((i) => packet(createCipheriv('aes-128-ctr', k, k), k, 3 + i, 60));

function attempt() {
  // the public key as JWK from the generation itself, as the sensor does (services/ssh/ssh2-x25519.ts:
  // exporting it from the new KeyObject afterwards can deadlock Node 20)
  const eph = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } });
  const ephPub = Buffer.from(eph.publicKey.x, 'base64url');
  const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: clientPub }, format: 'jwk' });
  const secret = diffieHellman({ privateKey: eph.privateKey, publicKey: peer });
  const h = createHash('sha256')
    .update(identC)
    .update(identS)
    .update(kexinitC)
    .update(kexinitS)
    .update(hostBlob)
    .update(Buffer.from(clientPub, 'base64url'))
    .update(ephPub)
    .update(secret)
    .digest();
  const signature = sign(null, h, host);
  const keys = [];
  for (const letter of 'ABCDEF')
    keys.push(createHash('sha256').update(secret).update(h).update(letter).update(h).digest());
  const ivIn = keys[0].subarray(0, 16);
  const ivOut = keys[1].subarray(0, 16);
  const dec = createDecipheriv('aes-128-ctr', keys[2].subarray(0, 16), ivIn);
  const enc = createCipheriv('aes-128-ctr', keys[3].subarray(0, 16), ivOut);
  let out = 0;
  for (let i = 0; i < 4; i++) {
    out += packet(enc, keys[5], 3 + i, 40).length;
    // the client's packet: decrypted and its MAC computed (the bytes are the client's work, made once)
    const plain = dec.update(INCOMING[i].subarray(0, INCOMING[i].length - 32));
    createHmac('sha256', keys[4]).update(plain).digest();
  }
  return out + signature.length;
}

for (let i = 0; i < Math.min(N, 2000); i++) attempt(); // warm-up: let V8 optimise the JS around the calls
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) attempt();
const c = process.cpuUsage(c0);
const ms = (c.user + c.system) / 1000 / N;
console.log('\n| measuring stick | attempts | CPU ms per attempt |');
console.log('|---|---|---|');
console.log(
  `| SSH crypto alone (node:crypto), curve25519-sha256 / ssh-ed25519 / aes128-ctr / hmac-sha2-256 | ${N} | ${ms.toFixed(3)} |`,
);
