/**
 * OpenCanary's config rules, with errors naming the key: `*.enabled` booleans, `*.port`
 * integers 1-65535, no two enabled services on the same port and transport, `ssh.version`
 * in RFC 4253 form; plus Kyoka's own checks (ignore lists, logger handlers, personality).
 */
import { KyokaError } from '@kyoka/core';
import { parseIgnoreList, parseLogtypeList } from '../log/filters.ts';
import { getProfile, profileNames } from '../personality/profiles.ts';
import { allServiceNames, serviceInfo } from '../services/registry.ts';

/** OpenCanary's check: `SSH-2.0-` or `SSH-1.99-`, a software version without spaces, an optional comment. */
export const SSH_VERSION_RE = /^SSH-(2\.0|1\.99)-[!-,.-~]+( [ -~]*)?$/;

export const HANDLER_CLASSES = [
  'logging.StreamHandler',
  'logging.FileHandler',
  'logging.handlers.WatchedFileHandler',
  'logging.handlers.RotatingFileHandler',
  'logging.handlers.TimedRotatingFileHandler',
  'logging.handlers.SysLogHandler',
  'logging.handlers.SMTPHandler',
  'opencanary.logger.SocketJSONHandler',
  'opencanary.logger.WebhookHandler',
  'opencanary.logger.SlackHandler',
  'opencanary.logger.TeamsHandler',
  'kyoka.SpoolHandler',
];

function bad(key: string, msg: string): never {
  throw new KyokaError('KYOKA_E_BAD_CONFIG', `config key "${key}": ${msg}`, { details: { key } });
}

export interface ValidateOptions {
  /** Accept port 0 (the kernel picks one): tests only. */
  allowPortZero?: boolean;
}

/** The port a service will use: file value, else OpenCanary's default. */
export function servicePort(values: Record<string, unknown>, name: string): number | null {
  const v = values[`${name}.port`];
  if (typeof v === 'number') return v;
  return serviceInfo(name)?.port ?? null;
}

/** Names of the services the config enables (only known ones; unknown `x.enabled` keys are ignored like OpenCanary). */
export function enabledServices(values: Record<string, unknown>): string[] {
  return allServiceNames().filter((n) => values[`${n}.enabled`] === true);
}

export function validateConf(values: Record<string, unknown>, opts: ValidateOptions = {}): void {
  const minPort = opts.allowPortZero ? 0 : 1;
  for (const [key, val] of Object.entries(values)) {
    if (key.endsWith('.enabled') && typeof val !== 'boolean')
      bad(key, `must be true or false (a JSON boolean), got ${JSON.stringify(val)}`);
    if (key.endsWith('.port') && (typeof val !== 'number' || !Number.isInteger(val) || val < minPort || val > 65535))
      bad(key, `must be a port number from ${minPort} to 65535, got ${JSON.stringify(val)}`);
  }
  const ssh = values['ssh.version'];
  if (ssh !== undefined && (typeof ssh !== 'string' || !SSH_VERSION_RE.test(ssh)))
    bad('ssh.version', `must look like "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", got ${JSON.stringify(ssh)}`);
  for (const key of ['ip.ignorelist', 'logtype.ignorelist'] as const) {
    try {
      if (key === 'ip.ignorelist') parseIgnoreList(values[key]);
      else parseLogtypeList(values[key]);
    } catch (err) {
      bad(key, (err as Error).message);
    }
  }
  const p = values['kyoka.personality'];
  if (p !== undefined && (typeof p !== 'string' || !getProfile(p)))
    bad('kyoka.personality', `unknown profile ${JSON.stringify(p)} (known: ${profileNames().join(', ')})`);
  for (const key of [
    'kyoka.heartbeat_seconds',
    'kyoka.max_connections',
    'kyoka.max_connections_per_source',
    'kyoka.max_connection_seconds',
  ]) {
    const v = values[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))
      bad(key, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  const rawTcp = values['kyoka.raw_tcp'];
  if (rawTcp !== undefined && typeof rawTcp !== 'boolean')
    bad('kyoka.raw_tcp', `must be true or false (a JSON boolean), got ${JSON.stringify(rawTcp)}`);
  const nid = values['device.node_id'];
  if (nid !== undefined && (typeof nid !== 'string' || nid === '' || nid.length > 255))
    bad('device.node_id', 'must be a non-empty string of at most 255 characters');
  const url = values['kyoka.server_url'];
  if (url !== undefined && url !== '' && (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)))
    bad('kyoka.server_url', `must be an http(s) URL, got ${JSON.stringify(url)}`);
  validateLogger(values.logger);

  const seen = new Map<string, string>();
  for (const name of enabledServices(values)) {
    const info = serviceInfo(name);
    const port = servicePort(values, name);
    if (!info || info.transport === 'none' || port === null || port === 0) continue;
    const k = `${port}/${info.transport}`;
    const other = seen.get(k);
    if (other) bad(`${name}.port`, `port ${port}/${info.transport} is already used by enabled service ${other}`);
    seen.set(k, name);
  }
}

function validateLogger(logger: unknown): void {
  if (logger === undefined) return;
  if (!logger || typeof logger !== 'object' || Array.isArray(logger)) bad('logger', 'must be an object');
  const kwargs = (logger as Record<string, unknown>).kwargs;
  if (kwargs === undefined) return;
  if (!kwargs || typeof kwargs !== 'object') bad('logger.kwargs', 'must be an object');
  const handlers = (kwargs as Record<string, unknown>).handlers;
  if (handlers === undefined) return;
  if (!handlers || typeof handlers !== 'object' || Array.isArray(handlers))
    bad('logger.kwargs.handlers', 'must be an object of name: {class, ...}');
  for (const [name, h] of Object.entries(handlers)) {
    const key = `logger.kwargs.handlers.${name}`;
    if (!h || typeof h !== 'object') bad(key, 'must be an object with a "class"');
    const o = h as Record<string, unknown>;
    if (typeof o.class !== 'string' || !HANDLER_CLASSES.includes(o.class))
      bad(
        `${key}.class`,
        `unsupported handler class ${JSON.stringify(o.class)} (known: ${HANDLER_CLASSES.join(', ')})`,
      );
    const need = (field: string, type: 'string' | 'object') => {
      const v = o[field];
      if (type === 'string' ? typeof v !== 'string' || v === '' : !v || typeof v !== 'object')
        bad(`${key}.${field}`, `is required for ${o.class}`);
    };
    if (o.class.includes('FileHandler')) need('filename', 'string');
    if (o.class.endsWith('SocketJSONHandler')) need('host', 'string');
    if (o.class.endsWith('WebhookHandler')) need('url', 'string');
    if (o.class.endsWith('SlackHandler') || o.class.endsWith('TeamsHandler')) need('webhook_url', 'string');
    if (o.class.endsWith('SMTPHandler')) {
      if (typeof o.mailhost !== 'string' && !Array.isArray(o.mailhost)) bad(`${key}.mailhost`, 'is required');
      need('fromaddr', 'string');
      if (typeof o.toaddrs !== 'string' && !Array.isArray(o.toaddrs)) bad(`${key}.toaddrs`, 'is required');
    }
  }
}
