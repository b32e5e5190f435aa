/** Time ranges for search: relative presets (sent as `now-24h`) or a custom absolute range. */

export const PRESETS = ['15m', '1h', '24h', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];
export type RangeKey = Preset | 'custom';

export interface TimeRange {
  key: RangeKey;
  /** Value sent to the API: `now-24h` or an ISO-8601 instant. */
  from: string;
  to: string;
}

export function presetRange(p: Preset): TimeRange {
  return { key: p, from: `now-${p}`, to: 'now' };
}

export function isPreset(v: string | null): v is Preset {
  return v !== null && (PRESETS as readonly string[]).includes(v);
}

/** Reads the range from search-page URL params (`range=24h` or `from=…&to=…`). */
export function rangeFromQuery(q: URLSearchParams): TimeRange {
  const r = q.get('range');
  if (isPreset(r)) return presetRange(r);
  const from = q.get('from');
  const to = q.get('to');
  if (from && to) return { key: 'custom', from, to };
  return presetRange('24h');
}

export function rangeToQuery(r: TimeRange): Record<string, string> {
  return r.key === 'custom' ? { from: r.from, to: r.to } : { range: r.key };
}

/** `datetime-local` input value (local time, minutes) from an ISO instant or `now-…`. */
export function toLocalInput(v: string): string {
  const d = resolveInstant(v);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

/** Resolves `now`, `now-15m` or an absolute instant to a Date (for display only). */
export function resolveInstant(v: string, now = Date.now()): Date {
  const m = /^now(?:-(\d+)([smhdw]))?$/.exec(v);
  if (m) return new Date(m[1] && m[2] ? now - Number(m[1]) * (UNIT_MS[m[2]] ?? 0) : now);
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isNaN(n) ? new Date(now) : new Date(n);
}

/** KQL term field:value; the value is quoted (backslash and quote escaped) unless it is a plain token. */
export function kqlTerm(field: string, value: string): string {
  if (/^[\w.-]+$/.test(value)) return `${field}:${value}`;
  return `${field}:"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
