/**
 * bench/honeypot/floor: the three ways to get an ephemeral X25519 key's public bytes for an SSH key
 * exchange, each followed by the exchange's createPublicKey + diffieHellman, as separate child
 * processes: how often a loop of them deadlocks Node 20, and what one key costs.
 *  - export-jwk:   generateKeyPairSync, then publicKey.export({ format: 'jwk' }) (what the sensor
 *                  did until the ninth round; its JWK export holds the key's mutex while allocating,
 *                  and a GC there can finalize the generation job, whose destructor takes it too);
 *  - export-der:   generateKeyPairSync, then the SPKI DER export (ssh2's own way, ~0.28 ms);
 *  - generate-jwk: the public key as JWK from generateKeyPairSync itself (the sensor now).
 * A measuring stick, not Kyoka code. A run that has not finished after --timeout seconds is killed
 * and counted as hung.
 *
 *   node x25519-keys.mjs [--runs 10] [--exchanges 20000] [--timeout 30]
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WAYS = {
  'export-jwk': () => {
    const k = generateKeyPairSync('x25519');
    return [Buffer.from(k.publicKey.export({ format: 'jwk' }).x, 'base64url'), k.privateKey];
  },
  'export-der': () => {
    const k = generateKeyPairSync('x25519');
    return [k.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32), k.privateKey];
  },
  'generate-jwk': () => {
    const k = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } });
    return [Buffer.from(k.publicKey.x, 'base64url'), k.privateKey];
  },
};

/** Child: `exchanges` key exchanges one way; prints µs of CPU per exchange. */
function child(way, exchanges) {
  const peer = generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'jwk' } }).publicKey.x;
  const keep = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < exchanges; i++) {
    const [pub, privateKey] = WAYS[way]();
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer }, format: 'jwk' });
    if (pub.length !== 32 || diffieHellman({ privateKey, publicKey }).length !== 32) throw new Error('bad exchange');
    keep.push({ i, pad: new Array(16).fill(i) }); // a server's other allocations, so GCs fall anywhere
    if (keep.length > 64) keep.length = 0;
  }
  const c = process.cpuUsage(c0);
  process.stdout.write(String((c.user + c.system) / exchanges));
}

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    runs: { type: 'string', default: '10' },
    exchanges: { type: 'string', default: '20000' },
    timeout: { type: 'string', default: '30' },
  },
});
if (values.child) child(values.child, Number(values.exchanges));
else {
  console.log(`\n${values.runs} runs of ${values.exchanges} X25519 key exchanges per way, each in its own process\n`);
  console.log('| way | runs hung | µs CPU per exchange (runs that finished) |');
  console.log('|---|---|---|');
  for (const way of Object.keys(WAYS)) {
    let hung = 0;
    const us = [];
    for (let r = 0; r < Number(values.runs); r++) {
      const p = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', way, '--exchanges', String(values.exchanges)],
        { encoding: 'utf8', timeout: Number(values.timeout) * 1000, killSignal: 'SIGKILL' },
      );
      if (p.signal) hung++;
      else if (p.status === 0) us.push(Number(p.stdout));
      else throw new Error(`${way}: ${p.stderr}`);
    }
    const range = us.length ? `${Math.min(...us).toFixed(1)}–${Math.max(...us).toFixed(1)}` : '—';
    console.log(`| ${way} | ${hung} of ${values.runs} | ${range} |`);
  }
}
