/**
 * Per-node SSH host keys: generated on first start into the state directory (OpenSSH format,
 * mode 0600, written atomically) and reused afterwards, so each sensor has its own identity and no
 * key ever ships with the code. Types as a Debian 12 sshd has them: rsa 3072, ecdsa 256, ed25519.
 */
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, type ParsedKey, parseKey } from './ssh2-internals.ts';

interface KeySpec {
  file: string;
  type: 'rsa' | 'ecdsa' | 'ed25519';
  bits?: number;
  /** KEXINIT host-key algorithm names this key serves. */
  algos: string[];
}

const SPECS: KeySpec[] = [
  { file: 'ssh_host_rsa_key', type: 'rsa', bits: 3072, algos: ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] },
  { file: 'ssh_host_ecdsa_key', type: 'ecdsa', bits: 256, algos: ['ecdsa-sha2-nistp256'] },
  { file: 'ssh_host_ed25519_key', type: 'ed25519', algos: ['ssh-ed25519'] },
];

export interface HostKeys {
  /** ssh2's map: host-key algorithm name -> parsed private key. */
  byAlgo: Record<string, ParsedKey>;
}

function generate(spec: KeySpec): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts = spec.bits ? { bits: spec.bits } : {};
    generateKeyPair(spec.type, opts, (err, keys) => {
      if (err) reject(err);
      else resolve(keys.private);
    });
  });
}

/** Loads the node's host keys, generating missing ones (an RSA 3072 key takes about a second). */
export async function loadHostKeys(stateDir: string): Promise<HostKeys> {
  const byAlgo: Record<string, ParsedKey> = {};
  for (const spec of SPECS) {
    const path = join(stateDir, spec.file);
    let pem: string;
    if (existsSync(path)) pem = readFileSync(path, 'utf8');
    else {
      pem = await generate(spec);
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, pem, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, path);
    }
    const key = parseKey(pem);
    for (const a of spec.algos) byAlgo[a] = key;
  }
  return { byAlgo };
}
