/**
 * Group commit for the synchronous log handlers (file, console). OpenCanary writes and flushes a
 * record before it sends the reply, and so does Kyoka; one write(2) per record was 14% of the
 * sensor's CPU per redis PING under load. Instead, a record logged while a raw connection's bytes
 * are handled (or while it is accepted) is buffered and that connection's output is held; once the
 * event loop has handled every connection that was ready (setImmediate), the buffered records go
 * out in one write per handler, then the held replies. The order on the wire is kept: record on
 * disk first, reply after. The http app holds its responses the same way (services/http/app.ts).
 * A record logged anywhere else (timers, other node:net services, UDP) is written at once.
 */

/** A connection whose output can wait for the group's write (RawConn, an http request). */
export interface Holder {
  /** Holds output from now until releaseOutput() (true), or cannot (false: the record is written at once). */
  holdOutput(): boolean;
  /** Sends what was held, then any end()/destroy() asked for meanwhile. */
  releaseOutput(): void;
}

export class CommitGroup {
  private current: Holder | null = null;
  private held = new Set<Holder>();
  private sinks = new Set<() => void>();
  private scheduled = false;
  private pending = 0;
  /** Group writes so far and the records they carried (for tests). */
  flushes = 0;
  records = 0;

  /**
   * `conn`'s bytes (or its accept) are being handled: records logged until leave() hold its
   * output. Returns what leave() restores (no closure per read on the hot path).
   */
  enter(conn: Holder): Holder | null {
    const prev = this.current;
    this.current = conn;
    return prev;
  }

  leave(prev: Holder | null): void {
    this.current = prev;
  }

  /** A handler's flush, run at every group write. */
  addSink(flush: () => void): void {
    this.sinks.add(flush);
  }

  removeSink(flush: () => void): void {
    this.sinks.delete(flush);
  }

  /**
   * Called after a record was buffered: true when its write may wait for the group (the current
   * connection now holds its output until then), false when the caller must flush now.
   */
  defer(): boolean {
    const c = this.current;
    if (!c?.holdOutput()) return false;
    this.records++;
    this.pending++;
    this.held.add(c);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  /** Writes every buffered record, then releases the held connections. Safe to call any time. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.held.size === 0 && this.pending === 0) return;
    this.pending = 0;
    this.flushes++;
    for (const f of this.sinks) f();
    const held = this.held;
    this.held = new Set();
    for (const c of held) c.releaseOutput();
  };
}
