/**
 * The parts of a node's config file (agent, WAF) that concern its link to the server: the
 * `server` section's schema and `${VAR}` expansion from the environment at load time (so an API
 * key or token need not sit in the file). Both are applied once, before validation.
 */
import { readFileSync } from 'node:fs';
import { KyokaError } from '@kyoka/core';
import { type Static, Type as T } from '@sinclair/typebox';
import { parse } from 'yaml';

export const serverSectionSchema = T.Object(
  {
    url: T.String({ pattern: '^https?://[^\\s]+$' }),
    /** One-time enrollment token (first start only). */
    token: T.Optional(T.String({ minLength: 8 })),
    /** Or an API key of role agent, given directly. */
    api_key: T.Optional(T.String({ minLength: 8 })),
  },
  { additionalProperties: false },
);
export type ServerSection = Static<typeof serverSectionSchema>;

/** Replaces `${NAME}` in every string value; an unset variable is an error naming the key. */
export function expandEnv(v: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof v === 'string')
    return v.replace(/\$\{([A-Z0-9_]+)\}/gi, (_, name: string) => {
      const val = env[name];
      if (val === undefined)
        throw new KyokaError(
          'KYOKA_E_BAD_CONFIG',
          `${path || '(top level)'}: environment variable ${name} is not set`,
          {
            details: { key: path },
          },
        );
      return val;
    });
  if (Array.isArray(v)) return v.map((x, i) => expandEnv(x, env, path ? `${path}.${i}` : String(i)));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandEnv(x, env, path ? `${path}.${k}` : k)]));
  return v;
}

/** Reads a YAML (or JSON) config file; unreadable or unparsable is a config error naming the file. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `${path}: ${(err as Error).message}`);
  }
}
