import { KyokaError } from '@kyoka/core';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `now`, `now-24h`, `now+5m`, epoch ms, or ISO-8601 into epoch ms. */
export function parseTime(v: string | undefined, fallback: number, name: string, now = Date.now()): number {
  if (v === undefined || v === '') return fallback;
  const rel = /^now(?:([+-])(\d{1,9})(ms|s|m|h|d|w))?$/.exec(v.trim());
  if (rel) {
    if (!rel[1]) return now;
    const delta = Number(rel[2]) * (UNITS[rel[3] as string] as number);
    return rel[1] === '-' ? now - delta : now + delta;
  }
  if (/^\d{1,15}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `${name}: "${v}" is not a time (use ISO-8601, epoch ms or now-24h)`);
  }
  return t;
}

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/**
 * Intervals `auto` picks from, finest first: round clock units, then calendar-ish ones (a month
 * is 30 days, a quarter 90, a year 365: buckets are multiples of the interval since the epoch),
 * then whole years in 1-2-5 steps (autoInterval), so any range gets at most MAX_AUTO_BUCKETS.
 */
const NICE = [
  1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 604_800, 2_592_000, 7_776_000,
].map((s) => s * 1000);

/** Most buckets `auto` yields (docs/api.md). */
export const MAX_AUTO_BUCKETS = 120;
/** Most buckets an explicit interval may yield. */
export const MAX_BUCKETS = 10_000;
/** Largest explicit interval: 10 000 years (any larger is one bucket for every representable date). */
export const MAX_INTERVAL_MS = 10_000 * YEAR;

/** Buckets of width ms (aligned to multiples of ms since the epoch) covering [from, to). */
export function bucketCount(from: number, to: number, ms: number): number {
  return Math.ceil(to / ms) - Math.floor(from / ms);
}

function autoInterval(from: number, to: number): number {
  const fits = (ms: number) => bucketCount(from, to, ms) <= MAX_AUTO_BUCKETS;
  const nice = NICE.find(fits);
  if (nice) return nice;
  // years: 1, 2, 5, 10, 20, 50, … (the widest representable range needs a few thousand)
  for (let mag = 1; ; mag *= 10) {
    for (const k of [1, 2, 5]) if (fits(k * mag * YEAR)) return k * mag * YEAR;
  }
}

/**
 * Parses an interval like `1m`, `30s`, `1h`; `auto` or empty picks the finest interval giving
 * at most MAX_AUTO_BUCKETS buckets. An explicit interval is refused (KYOKA_E_BAD_REQUEST naming
 * `interval`) when it would give more than MAX_BUCKETS buckets or exceeds MAX_INTERVAL_MS.
 */
export function parseInterval(v: string | undefined, from: number, to: number): number {
  if (!v || v === 'auto') return autoInterval(from, to);
  const m = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(v.trim());
  if (!m) throw new KyokaError('KYOKA_E_BAD_REQUEST', `interval: "${v}" is not an interval (e.g. 1m, 1h, auto)`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (ms <= 0) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'interval must be positive');
  if (ms > MAX_INTERVAL_MS) {
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `interval: "${v}" is too large (at most 521428w, about 10000 years)`);
  }
  if (bucketCount(from, to, ms) > MAX_BUCKETS) {
    throw new KyokaError(
      'KYOKA_E_BAD_REQUEST',
      `interval: "${v}" is too small for this time range (over ${MAX_BUCKETS} buckets; use a larger one or auto)`,
    );
  }
  return ms;
}
