/**
 * Operator overrides as rule text: switching a rule (built-in or stored) to alert-only or
 * deceive, or disabling it, is stored as a copy of its YAML with `kyoka.mode` / `kyoka.enabled`
 * set (comments and layout kept). Stored under the same id, the copy replaces the original.
 */
import { KyokaError } from '@kyoka/core';
import { parseDocument } from 'yaml';
import type { RuleMode } from './types.ts';

const MODES: readonly RuleMode[] = ['default', 'alert-only', 'deceive'];

export function setRuleOverrides(yaml: string, o: { mode?: RuleMode; enabled?: boolean }): string {
  const doc = parseDocument(yaml);
  if (doc.errors.length > 0) throw new KyokaError('KYOKA_E_BAD_REQUEST', `rule text: ${doc.errors[0]?.message}`);
  if (o.mode !== undefined) {
    if (!MODES.includes(o.mode))
      throw new KyokaError('KYOKA_E_BAD_REQUEST', 'mode must be default, alert-only or deceive');
    doc.setIn(['kyoka', 'mode'], o.mode);
  }
  if (o.enabled !== undefined) doc.setIn(['kyoka', 'enabled'], o.enabled);
  return doc.toString();
}
