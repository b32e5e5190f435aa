/**
 * Durations (decisions, the WAF's deceive_duration) in Go's format, because CrowdSec bouncers parse `duration` with Go's
 * time.ParseDuration: formatting mirrors time.Duration.String() ("3h59m58.1s", "1m0s",
 * "500ms", "0s", negative with a leading "-"); parsing accepts Go's units plus `d`.
 */
import { KyokaError } from './errors/index.ts';

function trimFraction(n: number, decimals: number): string {
  return n.toFixed(decimals).replace(/\.?0+$/, '');
}

/** Milliseconds → Go duration text (millisecond precision). */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '0s';
  const neg = ms < 0;
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let out: string;
  if (rest < 1000) out = `${rest}ms`;
  else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = trimFraction(rest / 1000, 3);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** "4h", "1h30m", "90s", "7d", "1.5h" → milliseconds (> 0). */
export function parseDuration(text: string, name = 'duration'): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  if (!t || pos !== t.length || !(total >= 1)) {
    throw new KyokaError(
      'KYOKA_E_BAD_REQUEST',
      `${name}: "${text.slice(0, 40)}" is not a duration (e.g. 4h, 30m, 1h30m, 7d)`,
    );
  }
  return Math.round(total);
}
