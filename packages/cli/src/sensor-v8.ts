/**
 * V8 tuning of the standalone sensor process (the all-in-one's sensor shares the server's process
 * and is left alone). V8's --optimize-for-size keeps the young generation small and returns freed
 * heap sooner: −25 MB with 10,000 idle connections. It also makes V8 collect and recompile more
 * while the process is busy: ~20 % more CPU per HTTP request and up to ~1 ms more per SSH attempt
 * at the tarpit's pace (docs/performance.md, "Fourth round"). So the sensor favours memory only
 * while it is quiet (idle, or holding idle connections) and speed while it works: the process's
 * own CPU use, sampled every few seconds, switches the flag, with a gap between the two marks so
 * it does not flap.
 *
 * The flag is read by V8 when it decides (GC sizing, tiering, code flushing), so switching it at
 * run time takes effect; a V8 flag set after start is outside V8's contract, which is why
 * KYOKA_SENSOR_V8_TUNING=0 turns all of this off (=memory keeps the flag set throughout, the
 * sensor's setting before; both for comparisons).
 */
import { setFlagsFromString } from 'node:v8';

export interface AdaptiveV8Options {
  /** Sampling period. */
  sampleMs?: number;
  /** Switch to speed at or above this share of one CPU (percent). */
  busyPct?: number;
  /** Back to memory below this share. */
  quietPct?: number;
  /** Applies a V8 flag string (tests pass a recorder). */
  apply?: (flags: string) => void;
  /** CPU microseconds used by the process so far (tests pass a fake clock). */
  cpuMicros?: () => number;
  now?: () => number;
}

export interface AdaptiveV8 {
  /** 'memory' while --optimize-for-size is set, 'speed' while not. */
  readonly mode: 'memory' | 'speed';
  /** Takes one sample now (the timer calls it; tests call it directly). */
  sample(): void;
  stop(): void;
}

const MEMORY = '--optimize-for-size';
const SPEED = '--no-optimize-for-size';

export function adaptiveV8(o: AdaptiveV8Options = {}): AdaptiveV8 {
  const apply = o.apply ?? setFlagsFromString;
  const cpuMicros =
    o.cpuMicros ??
    (() => {
      const u = process.cpuUsage();
      return u.user + u.system;
    });
  const now = o.now ?? (() => performance.now());
  const busy = o.busyPct ?? 3;
  const quiet = o.quietPct ?? 1;
  let mode: 'memory' | 'speed' = 'memory';
  apply(MEMORY);
  let lastCpu = cpuMicros();
  let lastAt = now();

  const state: AdaptiveV8 = {
    get mode() {
      return mode;
    },
    sample() {
      const cpu = cpuMicros();
      const at = now();
      const wallMs = at - lastAt;
      if (wallMs <= 0) return;
      const pct = (cpu - lastCpu) / 10 / wallMs; // µs per ms → percent of one CPU
      lastCpu = cpu;
      lastAt = at;
      if (mode === 'memory' && pct >= busy) {
        mode = 'speed';
        apply(SPEED);
      } else if (mode === 'speed' && pct < quiet) {
        mode = 'memory';
        apply(MEMORY);
      }
    },
    stop() {
      clearInterval(timer);
    },
  };
  const timer = setInterval(() => state.sample(), o.sampleMs ?? 2000);
  timer.unref();
  return state;
}
