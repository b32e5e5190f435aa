/**
 * Validation of a service template's conf: a flat OpenCanary dict ("ftp.enabled": true,
 * "ftp.port": 21, "ftp.banner": "..."), checked with the same basic rules the sensor applies
 * to its config file (enabled is a boolean, ports are integers 1-65535, no two enabled
 * services on the same port and transport) so a bad template is refused here, not on every
 * sensor it is applied to. Errors name the key.
 */
import { KyokaError } from '@kyoka/core';

export type FlatConf = Record<string, unknown>;

/** OpenCanary's services that listen on UDP; every other service with a port is TCP. */
const UDP_SERVICES = new Set(['snmp', 'ntp', 'tftp', 'sip', 'llmnr']);
const KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_KEYS = 500;
const MAX_BYTES = 64 * 1024;

export interface ConfError {
  key: string;
  message: string;
}

export function transportOf(service: string): 'tcp' | 'udp' {
  return UDP_SERVICES.has(service) ? 'udp' : 'tcp';
}

/** All problems with a conf (empty when it is valid). */
export function confErrors(conf: unknown): ConfError[] {
  if (conf === null || typeof conf !== 'object' || Array.isArray(conf)) {
    return [{ key: '(root)', message: 'conf must be an object of dotted keys' }];
  }
  const entries = Object.entries(conf as FlatConf);
  if (entries.length > MAX_KEYS) return [{ key: '(root)', message: `at most ${MAX_KEYS} keys` }];
  if (JSON.stringify(conf).length > MAX_BYTES) return [{ key: '(root)', message: `at most ${MAX_BYTES} bytes` }];
  const errors: ConfError[] = [];
  const c = conf as FlatConf;
  for (const [key, value] of entries) {
    if (!KEY_RE.test(key)) {
      errors.push({ key, message: 'keys are letters, digits, _ - and dots' });
      continue;
    }
    if (key.endsWith('.enabled') && typeof value !== 'boolean') {
      errors.push({ key, message: 'must be true or false' });
    }
    if (key.endsWith('.port') && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535)) {
      errors.push({ key, message: 'must be an integer port from 1 to 65535' });
    }
  }
  const seen = new Map<string, string>();
  for (const [key, value] of entries) {
    if (!key.endsWith('.enabled') || value !== true) continue;
    const svc = key.slice(0, -'.enabled'.length);
    const port = c[`${svc}.port`];
    if (!Number.isInteger(port)) continue;
    const slot = `${port}/${transportOf(svc.split('.')[0] ?? svc)}`;
    const other = seen.get(slot);
    if (other) errors.push({ key: `${svc}.port`, message: `port ${slot} is already used by ${other}` });
    else seen.set(slot, svc);
  }
  return errors;
}

/** Throws KYOKA_E_BAD_REQUEST listing every problem (also as `errors` for forms). */
export function assertValidConf(conf: unknown): FlatConf {
  const errors = confErrors(conf);
  if (errors.length) {
    const text = errors.map((e) => `${e.key}: ${e.message}`).join('; ');
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `invalid template conf: ${text}`, { details: { errors } });
  }
  return conf as FlatConf;
}
