/** Durations in rule files: "500ms", "10s", "5m", "4h", "1d", combined ("1h30m"), or a number of seconds. */

const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined when `v` is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 32) return undefined;
  PART_RE.lastIndex = 0;
  let total = 0;
  let pos = 0;
  for (let m = PART_RE.exec(v); m !== null; m = PART_RE.exec(v)) {
    total += Number(m[1]) * (UNIT[m[2] as string] as number);
    pos = PART_RE.lastIndex;
  }
  return pos === v.length ? total : undefined;
}
