/**
 * Finds and reads the sensor config the way OpenCanary does: `--config PATH`, else the first of
 * /etc/opencanaryd/opencanary.conf, ~/.opencanary.conf, ./opencanary.conf; flat JSON with dotted
 * keys. Kyoka's YAML form (.yaml/.yml; nested or dotted keys) is accepted too. String values get
 * `$VAR` / `${VAR}` expansion from the environment like Python's os.path.expandvars (unknown
 * variables are left as written).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KyokaError } from '@kyoka/core';
import { parse as parseYaml } from 'yaml';

export const CONFIG_NAME = 'opencanary.conf';

export function searchPaths(opts: { home?: string; cwd?: string } = {}): string[] {
  return [
    join('/etc/opencanaryd', CONFIG_NAME),
    join(opts.home ?? homedir(), `.${CONFIG_NAME}`),
    join(opts.cwd ?? process.cwd(), CONFIG_NAME),
  ];
}

/** The config file to use: `explicit` (must exist) or the first existing search path. */
export function findConfigFile(explicit?: string, opts: { home?: string; cwd?: string } = {}): string {
  if (explicit) {
    const p = resolve(opts.cwd ?? process.cwd(), explicit);
    if (!existsSync(p)) throw new KyokaError('KYOKA_E_BAD_CONFIG', `config file ${p} does not exist`);
    return p;
  }
  const paths = searchPaths(opts);
  const found = paths.find((p) => existsSync(p));
  if (!found)
    throw new KyokaError(
      'KYOKA_E_BAD_CONFIG',
      `no config file found (looked for ${paths.join(', ')}); write one with \`kyoka sensor --copyconfig\``,
    );
  return found;
}

const VAR_RE = /\$(\w+|\{[^}]*\})/g;

/** Python os.path.expandvars on one string. */
export function expandString(s: string, env: NodeJS.ProcessEnv): string {
  if (!s.includes('$')) return s;
  return s.replace(VAR_RE, (whole, name: string) => {
    const n = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = env[n];
    return v === undefined ? whole : v;
  });
}

/** Expands every string in a value tree (dicts, lists). */
export function expandVars(v: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof v === 'string') return expandString(v, env);
  if (Array.isArray(v)) return v.map((x) => expandVars(x, env));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = expandVars(x, env);
    return out;
  }
  return v;
}

/** Keys whose values are structures, never flattened. */
const STRUCTURED = new Set(['logger']);

/** Flattens nested YAML maps into dotted keys (`ftp: {port: 21}` -> `ftp.port`); `logger` stays a structure. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !STRUCTURED.has(key)) flatten(v as never, key, out);
    else out[key] = v;
  }
  return out;
}

/** Parses config text (JSON, or YAML when `yaml`), flattened and $VAR-expanded. */
export function parseConfigText(
  text: string,
  yaml: boolean,
  env: NodeJS.ProcessEnv,
  where = 'config',
): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new KyokaError(
      'KYOKA_E_BAD_CONFIG',
      `${where}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `${where}: must be an object of "service.key": value`);
  const flat = yaml ? flatten(raw as Record<string, unknown>) : { ...(raw as Record<string, unknown>) };
  return expandVars(flat, env) as Record<string, unknown>;
}

export function readConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  return parseConfigText(text, /\.ya?ml$/i.test(path), env, path);
}
