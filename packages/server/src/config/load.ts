import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KyokaError } from '@kyoka/core';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type KyokaConfig } from './schema.ts';

export interface LoadOptions {
  /** Explicit config file (--config); otherwise KYOKA_CONFIG, then ./kyoka.yaml when present. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Values from command-line flags, by dotted key ("http.port"). Highest precedence. */
  flags?: Record<string, unknown>;
}

/**
 * Env names that are not config keys: read by the CLI itself, the bin/kyoka launcher, `kyoka
 * sensor` (bin/kyoka.js, cli/sensor.ts) and the console's dev server (vite.config.ts).
 */
const NON_CONFIG_ENV = new Set([
  'KYOKA_CONFIG',
  'KYOKA_ADMIN_PASSWORD',
  'KYOKA_NODE_FLAGS',
  'KYOKA_SENSOR_FROM_SOURCE',
  'KYOKA_SENSOR_V8_TUNING',
  'KYOKA_URL',
]);

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

interface Leaf {
  path: string[];
  kind: string;
}

/** Every scalar leaf of the schema, so each has one KYOKA_* env name. */
function leaves(schema: TSchema, path: string[] = [], out: Leaf[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    for (const [k, sub] of Object.entries(schema.properties as Record<string, TSchema>)) leaves(sub, [...path, k], out);
  } else if (
    schema.type === 'integer' ||
    schema.type === 'number' ||
    schema.type === 'boolean' ||
    schema.type === 'string'
  ) {
    out.push({ path, kind: schema.type as string });
  } else if (schema.anyOf) {
    out.push({ path, kind: 'string' });
  }
  return out;
}

export const ENV_KEYS: ReadonlyMap<string, Leaf> = new Map(
  leaves(ConfigSchema).map((l) => [`KYOKA_${l.path.map(snake).join('_')}`, l]),
);

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1] as string] = value;
}

function coerce(kind: string, raw: string, name: string): unknown {
  if (kind === 'integer' || kind === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || Number.isNaN(n))
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `${name}: "${raw}" is not a number`);
    return n;
  }
  if (kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `${name}: "${raw}" is not a boolean`);
  }
  return raw;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadConfig(opts: LoadOptions = {}): Readonly<KyokaConfig> {
  const env = opts.env ?? {};
  const file = opts.file ?? env.KYOKA_CONFIG ?? (existsSync('kyoka.yaml') ? 'kyoka.yaml' : undefined);
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      raw = (parseYaml(text) as Record<string, unknown>) ?? {};
    } catch (err) {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `config file ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `config file ${file}: must be a mapping`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('KYOKA_') || NON_CONFIG_ENV.has(name) || value === undefined) continue;
    const leaf = ENV_KEYS.get(name);
    if (!leaf)
      throw new KyokaError(
        'KYOKA_E_BAD_CONFIG',
        `${name}: unknown setting (known: ${[...ENV_KEYS.keys()].join(', ')})`,
      );
    setPath(raw, leaf.path, coerce(leaf.kind, value, name));
  }
  for (const [key, value] of Object.entries(opts.flags ?? {})) {
    if (value !== undefined) setPath(raw, key.split('.'), value);
  }
  const cfg = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const first = Value.Errors(ConfigSchema, cfg).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const where = file ? ` (in ${file} or its overrides)` : '';
    // a union of literals (log.level...) reads better as its choices than as "Expected union value"
    const choices = (first.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf?.map((s) => s.const);
    const message =
      choices?.length && choices.every((c) => c !== undefined)
        ? `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(first.value)}`
        : first.message;
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `config key ${key}: ${message}${where}`, { details: { key } });
  }
  const out = cfg as KyokaConfig;
  out.data = resolve(out.data);
  return deepFreeze(out);
}
