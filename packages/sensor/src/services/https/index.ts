/**
 * OpenCanary's https service: the http honeypot's pages over TLS. The certificate comes from
 * https.certificate / https.key when both files exist, else a self-signed one (CN =
 * https.domain_name, O = "Synology Inc. CA", as OpenCanary makes it) is generated with
 * `selfsigned` on first run into the node's state directory and reused afterwards, so the
 * certificate a scanner sees stays the same across restarts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { KyokaError } from '@kyoka/core';
import { generate } from 'selfsigned';
import type { ServiceContext, ServiceFactory } from '../../service/types.ts';
import { createWebService } from '../http/index.ts';

async function loadOrCreate(ctx: ServiceContext): Promise<{ key: string; cert: string }> {
  const certPath = ctx.conf.get<string>('https.certificate', '');
  const keyPath = ctx.conf.get<string>('https.key', '');
  if (certPath && keyPath && existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  }
  const domain = ctx.conf.get<string>('https.domain_name', 'synologynas.local');
  const safe = domain.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 200);
  const cp = join(ctx.stateDir, `https-${safe}.crt`);
  const kp = join(ctx.stateDir, `https-${safe}.key`);
  if (existsSync(cp) && existsSync(kp)) return { cert: readFileSync(cp, 'utf8'), key: readFileSync(kp, 'utf8') };
  const pems = await generate(
    [
      { name: 'countryName', value: 'US' },
      { shortName: 'ST', value: 'California' },
      { name: 'localityName', value: 'San Francisco' },
      { name: 'organizationName', value: 'Synology Inc. CA' },
      { name: 'commonName', value: domain.replace(/[,=+<>#;"\\]/g, '') },
    ],
    { keySize: 2048, algorithm: 'sha256', notAfterDate: new Date(Date.now() + 365 * 86_400_000) },
  );
  writeFileSync(kp, pems.private, { mode: 0o600 });
  writeFileSync(cp, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private };
}

export async function httpsContext(ctx: ServiceContext): Promise<SecureContext> {
  const { key, cert } = await loadOrCreate(ctx);
  try {
    return createSecureContext({ key, cert, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `https: unusable certificate or key: ${(err as Error).message}`);
  }
}

export const factory: ServiceFactory = (ctx) =>
  createWebService(ctx, { name: 'https', defaultPort: 443, tls: () => httpsContext(ctx) });
