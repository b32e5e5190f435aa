/**
 * How much slower a Node process runs ordinary code right after OpenSSL ran one operation, with
 * the CPU's own flags and with OPENSSL_ia32cap masking AVX-512 IFMA (as the `kyoka` launcher
 * does). Each cell is a fresh process: a small loop of the raw transport's per-read Buffer work
 * runs before and right after one operation.
 *
 *   node bench/honeypot/floor/avx512-state.mjs [--runs 3]
 *
 * On a CPU without AVX-512 IFMA both columns are the same.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** LV1 bit 21 (CPUID.7.EBX): AVX512IFMA, the code path of OpenSSL's Poly1305 that does it. */
const MASK = ':~0x200000';

const cipher = (alg, keyLen, ivLen, data) => {
  const opts = alg === 'chacha20-poly1305' ? { authTagLength: 16 } : undefined;
  const c = crypto.createCipheriv(alg, crypto.randomBytes(keyLen), crypto.randomBytes(ivLen), opts);
  c.update(data);
  c.final();
};
/** The one OpenSSL operation each row runs between the two loops (row label → operation). */
const OPS = {
  'chacha20-poly1305': (d) => cipher('chacha20-poly1305', 32, 12, d),
  chacha20: (d) => cipher('chacha20', 32, 16, d),
  'aes-128-gcm': (d) => cipher('aes-128-gcm', 16, 12, d),
  'aes-128-ctr': (d) => cipher('aes-128-ctr', 16, 16, d),
  sha256: (d) => crypto.createHash('sha256').update(d).digest(),
  'rsa-2048 keygen + sign': (d) =>
    crypto.sign('sha256', d, crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
  'ed25519 keygen + sign': (d) => crypto.sign(null, d, crypto.generateKeyPairSync('ed25519').privateKey),
};

if (process.env.AVX512_STATE_CHILD === 'rsa-cost') {
  // what the mask costs: RSA-2048 signatures (an ssh host key) lose OpenSSL's IFMA code
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = crypto.randomBytes(64);
  const t0 = process.cpuUsage();
  for (let i = 0; i < 300; i++) crypto.sign('sha256', data, privateKey);
  const t = process.cpuUsage(t0);
  process.stdout.write(JSON.stringify({ ms: (t.user + t.system) / 300 / 1000 }));
  process.exit(0);
}

if (process.env.AVX512_STATE_CHILD) {
  // the raw transport's per-read work: a Buffer over the read ArrayBuffer, a decode, a search
  const loop = () => {
    const b = Buffer.alloc(64, 65);
    const n = 200_000;
    let acc = 0;
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const x = Buffer.from(b.buffer, b.byteOffset + 8, 16);
      acc += x.toString('utf8', 2, 6).length + x.indexOf(13);
    }
    const t = process.cpuUsage(t0);
    if (acc === 0) throw new Error('unreachable');
    return ((t.user + t.system) * 1000) / n;
  };
  const best = () => Math.min(loop(), loop(), loop());
  const before = best();
  OPS[process.env.AVX512_STATE_CHILD](crypto.randomBytes(256));
  const after = best();
  process.stdout.write(JSON.stringify({ before, after }));
  process.exit(0);
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);

function child(op, masked) {
  const env = { ...process.env, AVX512_STATE_CHILD: op };
  if (masked) env.OPENSSL_ia32cap = MASK;
  else delete env.OPENSSL_ia32cap;
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const ifma = /\bavx512ifma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
console.log(
  `CPU has AVX-512 IFMA: ${ifma ? 'yes' : 'no'}; ns per loop iteration (best of 3 loops), ${RUNS} process(es) per cell`,
);
console.log('| one operation of | CPU flags: before → after | IFMA masked: before → after |');
console.log('|---|---|---|');
for (const op of Object.keys(OPS)) {
  const cells = [false, true].map((masked) => {
    const rs = Array.from({ length: RUNS }, () => child(op, masked));
    return rs.map((r) => `${r.before.toFixed(0)} → ${r.after.toFixed(0)}`).join(', ');
  });
  console.log(`| ${op} | ${cells[0]} | ${cells[1]} |`);
}
const cost = [false, true].map((masked) =>
  Array.from({ length: RUNS }, () => child('rsa-cost', masked).ms.toFixed(2)).join(', '),
);
console.log(`\nms CPU per RSA-2048 signature: ${cost[0]} with the CPU's flags, ${cost[1]} with IFMA masked`);
