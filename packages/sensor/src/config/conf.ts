/**
 * The frozen SensorConf every service reads: file values > personality profile > the service's
 * own fallback. Built once from a validated flat config; a new config means a new SensorConf
 * (the runtime's apply()), never mutation.
 */
import { KyokaError } from '@kyoka/core';
import { DEFAULT_PROFILE, getProfile, type Profile } from '../personality/profiles.ts';
import type { SensorConf } from '../service/types.ts';
import { findConfigFile, readConfigFile } from './load.ts';
import { type ValidateOptions, validateConf } from './validate.ts';

export interface LoadedConf extends SensorConf {
  /** The validated flat values (frozen), as the file (and merges) gave them. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly profile: string;
  /** The file they came from, or null when built in memory. */
  readonly path: string | null;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** Validates `values` and returns the frozen layered view. Throws KYOKA_E_BAD_CONFIG naming the key. */
export function createSensorConf(
  values: Record<string, unknown>,
  opts: ValidateOptions & { path?: string | null } = {},
): LoadedConf {
  validateConf(values, opts);
  const vals = deepFreeze(structuredClone(values));
  const profileName = typeof vals['kyoka.personality'] === 'string' ? vals['kyoka.personality'] : DEFAULT_PROFILE;
  const profile: Profile = getProfile(profileName) ?? {};
  return Object.freeze({
    values: vals,
    profile: profileName,
    path: opts.path ?? null,
    get<T>(key: string, fallback: T): T {
      if (Object.hasOwn(vals, key)) return vals[key] as T;
      if (Object.hasOwn(profile, key)) return profile[key] as T;
      return fallback;
    },
    has: (key: string) => Object.hasOwn(vals, key) || Object.hasOwn(profile, key),
  });
}

/** Finds, reads, expands and validates the config file (OpenCanary's search order unless `path`). */
export function loadSensorConf(
  path?: string,
  opts: ValidateOptions & { env?: NodeJS.ProcessEnv; home?: string; cwd?: string } = {},
): LoadedConf {
  const file = findConfigFile(path, opts);
  const values = readConfigFile(file, opts.env ?? process.env);
  try {
    return createSensorConf(values, { ...opts, path: file });
  } catch (err) {
    if (err instanceof KyokaError) throw new KyokaError(err.code, `${file}: ${err.message}`, { details: err.details });
    throw err;
  }
}

/** Layers `over` (e.g. the server's template) on top of `base`: keys in `over` win, `logger` included. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown> | null | undefined) {
  return over ? { ...base, ...over } : { ...base };
}
