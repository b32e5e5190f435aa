/**
 * bench/honeypot: OpenCanary's figures from ../shared/reference/opencanary-baseline.md (commit
 * 86f0725, Twisted 22.4, Python 3.11, same kind of 2-core machine, same load commands). They are
 * copied here because OpenCanary cannot be installed on the bench machine (PyPI is unreachable),
 * so the side-by-side table compares a live Kyoka run with these recorded numbers.
 */

export interface Baseline {
  /** Attempts (or requests/commands) per second under the same load. */
  perSecond: number;
  /** Server CPU-seconds per 1,000 attempts. */
  cpuPer1000: number;
  note?: string;
}

export const OPENCANARY: Record<string, Baseline | undefined> = {
  http: { perSecond: 4522, cpuPer1000: 0.198, note: 'p99 19.7 ms' },
  ftp: { perSecond: 2404, cpuPer1000: 0.35 },
  ssh: { perSecond: 18.5, cpuPer1000: 2.95, note: '2-7% of connections dropped' },
  'ssh-hydra': { perSecond: 15, cpuPer1000: 0.83 },
  redis: { perSecond: 12088, cpuPer1000: 0.068 },
  // OpenCanary's baseline has no telnet figure
  telnet: undefined,
};

/** RSS: 62.6 MB idle, 64.6 MB with 1,000 idle telnet connections (~2 kB each): ~85 MB at 10,000. */
export const OPENCANARY_RSS = { idleMb: 62.6, kbPerConn: 2, at10kMb: 85 };

/** The targets. */
export const TARGET_SPEEDUP = 5;
