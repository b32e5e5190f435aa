/**
 * Group commit between producers and the store. Concurrent requests are coalesced into one
 * transaction (large batches are what makes SQLite fast), and `write()` resolves only once
 * the batch holding those events has been durably committed: the HTTP 2xx promise.
 * Back-pressure: past `maxQueue` waiting events, write() refuses (503) and enqueue() drops
 * (UDP syslog cannot be slowed down) — both counted. Stream producers (TCP syslog) check
 * `crowded` and pause their socket until `onRoom` fires, so they never need to drop.
 */
import { KyokaError, type KyokaEvent } from '@kyoka/core';
import type { Metrics } from '../metrics/index.ts';
import type { EventStore } from '../store/types.ts';
import { attributeDuplicates, coalesce } from './coalesce.ts';

interface Pending {
  events: KyokaEvent[];
  resolve?: (r: { inserted: number; duplicates: number }) => void;
  reject?: (e: unknown) => void;
}

export interface WriterOptions {
  maxQueue: number;
  /** Most events in one transaction. */
  maxTransaction?: number;
  /** How long fire-and-forget events may wait to join a larger batch, ms. */
  lingerMs?: number;
  /**
   * A write() of at least this many events into an idle writer is stored at once instead of on
   * the next timer turn (default 1000; Infinity turns it off). See write().
   */
  immediateMin?: number;
}

export class EventWriter {
  private queue: Pending[] = [];
  private queued = 0;
  private writing = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private roomWaiters: Array<() => void> = [];
  private committed: Array<(events: KyokaEvent[]) => void> = [];

  constructor(
    private readonly store: EventStore,
    private readonly metrics: Metrics,
    private readonly opts: WriterOptions,
  ) {}

  get depth(): number {
    return this.queued;
  }

  /**
   * Calls fn with every batch once it is durably stored (the detection pipeline hangs here).
   * A listener's error is reported and never fails ingest. Events re-sent in an earlier batch
   * are included (the store reports counts, not which events were new); copies of one event
   * within a batch are passed once.
   */
  onCommitted(fn: (events: KyokaEvent[]) => void): void {
    this.committed.push(fn);
  }

  /** Stores the events; resolves after commit. Rejects with 503 when the queue is full. */
  write(events: KyokaEvent[]): Promise<{ inserted: number; duplicates: number }> {
    if (this.closed) return Promise.reject(new KyokaError('KYOKA_E_UNAVAILABLE', 'server is shutting down'));
    if (this.queued + events.length > this.opts.maxQueue && this.queued > 0) {
      return Promise.reject(new KyokaError('KYOKA_E_UNAVAILABLE', 'ingest queue is full; retry later'));
    }
    return new Promise((resolve, reject) => {
      this.push({ events, resolve, reject });
      // A large batch into an idle writer is already a good transaction: storing it now, in
      // the same turn as its parse, keeps fewer parsed events alive at once. Waiting a timer
      // turn let other requests be parsed meanwhile, and up to 20,000 events (~2 KB each)
      // lived across scavenges until their shared commit. Measured: +8-12% events / CPU-s
      // together with the IPv4 key change (docs/performance.md).
      if (!this.writing && this.queue.length === 1 && events.length >= (this.opts.immediateMin ?? 1000)) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        void this.drain();
      } else this.schedule(0);
    });
  }

  /**
   * More than one full transaction is waiting: stream producers should pause reading. Pausing
   * early costs no throughput (the store takes a transaction at a time) and bounds memory.
   */
  get crowded(): boolean {
    return this.queued > Math.min(this.opts.maxQueue / 2, this.opts.maxTransaction ?? 20_000);
  }

  /** Calls `fn` once the queue is no longer crowded. */
  onRoom(fn: () => void): void {
    if (!this.crowded) fn();
    else this.roomWaiters.push(fn);
  }

  /** Queues events without waiting (syslog). Returns false when they were dropped. */
  enqueue(events: KyokaEvent[], source: string): boolean {
    if (this.closed || this.queued + events.length > this.opts.maxQueue) {
      this.metrics.dropped.inc({ source }, events.length);
      return false;
    }
    this.push({ events });
    this.schedule(this.opts.lingerMs ?? 20);
    return true;
  }

  /** Resolves when everything queued so far is stored. */
  flush(): Promise<void> {
    if (!this.writing && this.queued === 0) return Promise.resolve();
    this.schedule(0);
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private push(p: Pending): void {
    this.queue.push(p);
    this.queued += p.events.length;
    this.metrics.queueDepth.set(this.queued);
  }

  private schedule(delay: number): void {
    if (this.writing) return;
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    // setImmediate-like (0 ms) lets every request parsed in this loop turn join the batch.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delay);
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    const max = this.opts.maxTransaction ?? 20_000;
    try {
      while (this.queue.length) {
        const batch: Pending[] = [];
        let n = 0;
        while (this.queue.length && (n === 0 || n + (this.queue[0] as Pending).events.length <= max)) {
          const p = this.queue.shift() as Pending;
          batch.push(p);
          n += p.events.length;
        }
        // Several requests waiting for answers: in-batch copies of one event are dropped here and
        // attributed to the requests that sent them (coalesce.ts). Fire-and-forget batches
        // (syslog) skip that work: nobody hears their counts, and the store ignores the copies.
        const co = batch.length > 1 && batch.some((p) => p.resolve) ? coalesce(batch.map((p) => p.events)) : null;
        const all = co ? co.unique : batch.length === 1 ? (batch[0] as Pending).events : batch.flatMap((p) => p.events);
        const end = this.metrics.storeLatency.startTimer();
        try {
          const res = await this.store.insert(all);
          end();
          this.metrics.storeBatch.observe(all.length);
          const copies = n - all.length;
          if (res.duplicates + copies) this.metrics.duplicates.inc(res.duplicates + copies);
          for (const fn of this.committed) {
            try {
              fn(all);
            } catch (err) {
              console.error('kyoka: committed-events listener failed:', (err as Error).message);
            }
          }
          // One request: the store's counts are its own. Coalesced: each request hears its own
          // duplicates (attributeDuplicates), or only its certain in-batch copies when undecidable.
          if (!co) {
            if (batch.length === 1) batch[0]?.resolve?.(res);
          } else {
            const dups = await attributeDuplicates(co, res.duplicates, (id) => this.store.get(id)).catch(() => null);
            batch.forEach((p, i) => {
              const d = dups?.[i] ?? co.parts[i]?.copies ?? 0;
              p.resolve?.({ inserted: p.events.length - d, duplicates: d });
            });
          }
        } catch (err) {
          end();
          this.metrics.storeErrors.inc();
          const e =
            err instanceof KyokaError ? err : new KyokaError('KYOKA_E_STORE', 'storing events failed', { cause: err });
          for (const p of batch) p.reject?.(e);
          if (batch.some((p) => !p.reject))
            console.error('kyoka: dropping queued events after store failure:', (err as Error).message);
        } finally {
          this.queued -= n;
          this.metrics.queueDepth.set(this.queued);
          if (this.roomWaiters.length && !this.crowded) {
            const ws = this.roomWaiters;
            this.roomWaiters = [];
            for (const w of ws) w();
          }
        }
      }
    } finally {
      this.writing = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
