/**
 * `kyoka agent` configuration: one YAML file (or the same object from flags), validated once at
 * start with errors naming the key. `${VAR}` in string values is expanded from the environment
 * at load time, so an API key need not sit in the file.
 */
import { KyokaError } from '@kyoka/core';
import { expandEnv, readYamlFile, type ServerSection, serverSectionSchema } from '@kyoka/link';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type CollectorConfig, validateCollectors } from './collect/index.ts';
import { type EnforceConfig, validateEnforceConfig } from './enforce/index.ts';

const top = T.Object(
  {
    server: serverSectionSchema,
    name: T.Optional(T.String({ minLength: 1, maxLength: 128 })),
    state_dir: T.Optional(T.String({ minLength: 1 })),
    enforce: T.Optional(T.Unknown()),
    collectors: T.Optional(T.Unknown()),
  },
  { additionalProperties: false },
);

export interface AgentConfig {
  server: ServerSection;
  name?: string;
  state_dir: string;
  enforce: EnforceConfig | null;
  collectors: CollectorConfig[];
}

export const DEFAULT_STATE_DIR = '/var/lib/kyoka-agent';

export function validateAgentConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): AgentConfig {
  const v = expandEnv(raw ?? {}, env);
  const first = Value.Errors(top, v).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
    throw new KyokaError('KYOKA_E_BAD_CONFIG', `${key}: ${first.message}`, { details: { key } });
  }
  const c = v as Static<typeof top>;
  const enforce = c.enforce === undefined ? null : validateEnforceConfig(c.enforce);
  const collectors = validateCollectors(c.collectors ?? []);
  if (!enforce && !collectors.length)
    throw new KyokaError('KYOKA_E_BAD_CONFIG', 'enforce: nothing to do: configure enforce.protect and/or collectors');
  return Object.freeze({
    server: c.server,
    name: c.name,
    state_dir: c.state_dir ?? DEFAULT_STATE_DIR,
    enforce,
    collectors,
  });
}

export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv): AgentConfig {
  return validateAgentConfig(readYamlFile(path), env);
}
