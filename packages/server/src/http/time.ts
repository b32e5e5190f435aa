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

/** Parses an interval like `1m`, `30s`, `1h`; `auto` or empty picks about 60 buckets. */
export function parseInterval(v: string | undefined, from: number, to: number): number {
  const span = Math.max(1, to - from);
  if (!v || v === 'auto') {
    const nice = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800].map((s) => s * 1000);
    return nice.find((n) => span / n <= 120) ?? 604_800_000;
  }
  const m = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(v.trim());
  if (!m) throw new KyokaError('KYOKA_E_BAD_REQUEST', `interval: "${v}" is not an interval (e.g. 1m, 1h, auto)`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (ms <= 0) throw new KyokaError('KYOKA_E_BAD_REQUEST', 'interval must be positive');
  if (span / ms > 10_000)
    throw new KyokaError('KYOKA_E_BAD_REQUEST', 'interval too small for this time range (over 10000 buckets)');
  return ms;
}
