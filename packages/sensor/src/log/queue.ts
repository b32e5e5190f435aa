/**
 * Bounded async queue in front of each network log handler: push() never blocks or throws, a
 * single worker drains items in batches, and past `max` waiting items new ones are dropped and
 * counted. This is what keeps a slow webhook from delaying any service (OpenCanary's handlers
 * block its one reactor thread).
 */

export interface QueueStats {
  queued: number;
  sent: number;
  dropped: number;
  failed: number;
}

export class BoundedQueue<T> {
  private items: T[] = [];
  private running = false;
  private closed = false;
  private idle: Array<() => void> = [];
  readonly stats: QueueStats = { queued: 0, sent: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly work: (batch: T[]) => Promise<void>,
    private readonly opts: { max?: number; batch?: number; onError?: (err: unknown) => void } = {},
  ) {}

  push(item: T): boolean {
    if (this.closed || this.items.length >= (this.opts.max ?? 10_000)) {
      this.stats.dropped++;
      return false;
    }
    this.items.push(item);
    this.stats.queued = this.items.length;
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
    return true;
  }

  private async drain(): Promise<void> {
    while (this.items.length) {
      const batch = this.items.splice(0, this.opts.batch ?? 1);
      this.stats.queued = this.items.length;
      try {
        await this.work(batch);
        this.stats.sent += batch.length;
      } catch (err) {
        this.stats.failed += batch.length;
        this.opts.onError?.(err);
      }
    }
    this.running = false;
    for (const f of this.idle.splice(0)) f();
  }

  /** Resolves when everything pushed so far has been handled (or `timeoutMs` passed). */
  drained(timeoutMs = 5000): Promise<void> {
    if (!this.running && !this.items.length) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async close(timeoutMs = 2000): Promise<void> {
    await this.drained(timeoutMs);
    this.closed = true;
  }
}
