/**
 * Idle timeouts for every connection of a listener with one timer. `socket.setTimeout()` costs
 * each connection a Timeout, a bound callback and a `once('timeout')` wrapper (~400 bytes: 4 MB
 * with 10,000 idle honeypot connections) and re-arms a timer on every read and write; here one
 * interval per listener compares each socket's byte counters with the previous sweep.
 * A socket is dropped after SWEEP_TICKS sweeps in a row saw no byte move: between `idleMs` and
 * `idleMs` + one tick (idleMs / SWEEP_TICKS) after its last traffic, never earlier. With
 * `maxLifeMs`, also once it has been open that long (to within a tick), however it trickles: a
 * slowloris client sending a byte a second is never idle.
 */

/** What the sweep reads from a socket (net.Socket has both counters). */
export interface ByteCounters {
  readonly bytesRead: number;
  /** undefined on a socket torn down by node; counted as 0. */
  readonly bytesWritten: number | undefined;
}

export const SWEEP_TICKS = 4;
/** Low bits of a packed entry: sweeps without traffic since the counters last moved. */
const IDLE_BITS = 8;
/** Next bits: sweeps since the socket was added (its age in ticks), saturating. */
const AGE_SPAN = 1024;
/** Multiplier of the bytes moved in a packed entry. */
const MOVED = IDLE_BITS * AGE_SPAN;

export type SweepReason = 'idle' | 'lifetime';
/** Entry of a socket no sweep has looked at yet. */
const FRESH = -1;

export class IdleSweep<S extends ByteCounters> {
  /**
   * socket -> ((bytes moved when last seen changing) * AGE_SPAN + age in sweeps) * IDLE_BITS +
   * sweeps since the bytes moved: one number per socket in a Map the listener needs anyway (it is
   * the set of open connections), no object.
   */
  private readonly seen = new Map<S, number>();
  private timer: NodeJS.Timeout | null = null;
  readonly tickMs: number;
  /** Sweeps after which a socket is dropped however busy (Infinity: never). */
  private readonly maxAge: number;

  constructor(
    idleMs: number,
    private readonly onIdle: (socket: S, why: SweepReason) => void,
    maxLifeMs = 0,
  ) {
    this.tickMs = Math.max(1, Math.ceil(idleMs / SWEEP_TICKS));
    this.maxAge = maxLifeMs > 0 ? Math.min(AGE_SPAN - 1, Math.max(1, Math.ceil(maxLifeMs / this.tickMs))) : Infinity;
  }

  get size(): number {
    return this.seen.size;
  }

  sockets(): IterableIterator<S> {
    return this.seen.keys();
  }

  add(socket: S): void {
    this.seen.set(socket, FRESH);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref(); // open connections keep the process alive, not their timeout
    }
  }

  delete(socket: S): void {
    this.seen.delete(socket);
    if (this.seen.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick (run by the timer; public for tests). Idle sockets are forgotten, then handed to onIdle. */
  sweep(): void {
    for (const [socket, entry] of this.seen) {
      const moved = socket.bytesRead + (socket.bytesWritten ?? 0);
      if (entry === FRESH) {
        this.seen.set(socket, moved * MOVED);
        continue;
      }
      const age = Math.floor(entry / IDLE_BITS) % AGE_SPAN;
      if (age + 1 >= this.maxAge) {
        this.seen.delete(socket); // deleting the current entry is safe while iterating a Map
        this.onIdle(socket, 'lifetime');
        continue;
      }
      const older = (moved * AGE_SPAN + Math.min(age + 1, AGE_SPAN - 1)) * IDLE_BITS;
      if (Math.floor(entry / MOVED) !== moved) {
        this.seen.set(socket, older);
        continue;
      }
      const quiet = (entry % IDLE_BITS) + 1;
      if (quiet < SWEEP_TICKS) {
        this.seen.set(socket, older + quiet);
        continue;
      }
      this.seen.delete(socket);
      this.onIdle(socket, 'idle');
    }
    if (this.seen.size === 0) this.stop();
  }
}
