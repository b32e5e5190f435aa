/**
 * Per-channel routing: a channel receives the alerts whose rule id, severity and tags match
 * its filter. Empty parts match everything. Rule ids accept `*` wildcards; a tag filter
 * matches the tag itself and its sub-techniques (attack.t1110 matches attack.t1110.001).
 */
import { SEVERITIES, type Severity } from '../types.ts';

export interface ChannelFilter {
  rules?: string[];
  min_severity?: Severity;
  tags?: string[];
}

export interface Routable {
  rule_id: string;
  severity: Severity;
  tags: readonly string[];
}

function glob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

export function matchesFilter(f: ChannelFilter, a: Routable): boolean {
  if (f.rules?.length && !f.rules.some((r) => glob(r).test(a.rule_id))) return false;
  if (f.min_severity && SEVERITIES.indexOf(a.severity) < SEVERITIES.indexOf(f.min_severity)) return false;
  if (f.tags?.length) {
    const tags = a.tags.map((t) => t.toLowerCase());
    const hit = f.tags.some((want) => {
      const w = want.toLowerCase();
      return tags.some((t) => t === w || t.startsWith(`${w}.`));
    });
    if (!hit) return false;
  }
  return true;
}

/** Re-notification thresholds: a growing alert is notified again when its count crosses one. */
export const RENOTIFY_AT = [10, 100, 1000] as const;

/** The threshold crossed going from `before` to `after` events (the highest), or 0. */
export function crossedThreshold(before: number, after: number): number {
  let hit = 0;
  for (const t of RENOTIFY_AT) if (before < t && after >= t) hit = t;
  return hit;
}
