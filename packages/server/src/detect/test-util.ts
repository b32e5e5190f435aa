/** Test helpers: events and rules from short literals (not used by production code). */
import type { KyokaEvent } from '@kyoka/core';
import { parseRules } from './load.ts';
import type { CompiledRule } from './types.ts';

let n = 0;

/** An event with an id and a timestamp (`t` ms after 2026-11-21T10:00:00Z). */
export function ev(fields: Record<string, unknown>, t = 0): KyokaEvent {
  n++;
  return {
    id: `ev${String(n).padStart(6, '0')}`,
    '@timestamp': new Date(Date.UTC(2026, 10, 21, 10) + t).toISOString(),
    event: {},
    ...fields,
  } as KyokaEvent;
}

/** Compiles YAML that must hold valid rules; throws with the errors otherwise. */
export function rules(yaml: string): CompiledRule[] {
  const r = parseRules({ name: 'test.yml', text: yaml });
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
  return r.rules;
}

export function rule(yaml: string): CompiledRule {
  return rules(yaml)[0] as CompiledRule;
}

export const T0 = Date.UTC(2026, 10, 21, 10);
