/**
 * Notification dispatch: decides which channels hear about an alert change (routing filter,
 * one message per alert creation, optional re-notification when the count crosses 10/100/1000),
 * applies each channel's token bucket (alerts over the limit are counted and summarised in the
 * channel's next message, or in a summary sent once a token is back), and delivers through an
 * in-memory queue with retries. `onChange` only enqueues: ingest and the rule engine never wait
 * for SMTP or HTTP.
 */
import { LRUCache } from 'lru-cache';
import type { AlertChange } from '../types.ts';
import type { Channel, ChannelStore } from './channels.ts';
import { TokenBucket } from './rate-limit.ts';
import type { Notice, Suppressed } from './render.ts';
import { pickEventFields } from './render.ts';
import { crossedThreshold, matchesFilter } from './routing.ts';
import { type ChannelType, DEFAULT_SENDERS, type Sender } from './senders.ts';

export interface DispatcherOptions {
  channels: ChannelStore;
  senders?: Partial<Record<ChannelType, Sender>>;
  /** Loads an event by id, to show the first sample event's fields. */
  loadEvent?: (id: string) => Promise<unknown>;
  /** Delays before each retry; the number of retries is its length. Default 2 s, 10 s, 60 s. */
  retryDelaysMs?: number[];
  /** Queue bound; the oldest job is dropped beyond it. Default 10 000. */
  maxQueue?: number;
  consoleUrl?: string;
  now?: () => number;
  onError?: (err: unknown, channel: Channel) => void;
}

interface Job {
  channel: Channel;
  notice: Notice;
  attempt: number;
}

interface ChannelState {
  bucket: TokenBucket;
  suppressed: Suppressed;
  flushTimer?: NodeJS.Timeout;
}

export class Dispatcher {
  private channels: Channel[] = [];
  private readonly state = new Map<string, ChannelState>();
  /** channel id + alert id + level already notified (dedupe across retries and races). */
  private readonly sent = new LRUCache<string, true>({ max: 50_000 });
  private readonly queue: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private closed = false;
  private waiters: Array<() => void> = [];
  readonly stats = { sent: 0, failed: 0, retried: 0, suppressed: 0, dropped: 0 };
  private readonly senders: Record<ChannelType, Sender>;
  private readonly now: () => number;

  constructor(private readonly opts: DispatcherOptions) {
    this.senders = { ...DEFAULT_SENDERS, ...opts.senders };
    this.now = opts.now ?? Date.now;
  }

  /** Re-reads channels from the database (after any change through the API). */
  async reload(): Promise<void> {
    this.channels = await this.opts.channels.list();
    const ids = new Set(this.channels.map((c) => c.id));
    for (const [id, st] of this.state) {
      const c = this.channels.find((x) => x.id === id);
      if (!ids.has(id) || c?.rate_per_min !== st.bucket.perMinute) {
        if (st.flushTimer) clearTimeout(st.flushTimer);
        this.state.delete(id);
      }
    }
  }

  private stateOf(c: Channel): ChannelState {
    let st = this.state.get(c.id);
    if (!st) {
      st = { bucket: new TokenBucket(c.rate_per_min, this.now), suppressed: { count: 0, byRule: {} } };
      this.state.set(c.id, st);
    }
    return st;
  }

  /** Called after every raise; synchronous and cheap. */
  onChange(ch: AlertChange): void {
    if (this.closed) return;
    const a = ch.alert;
    const level = ch.created ? 0 : crossedThreshold(ch.previousCount, a.count);
    if (!ch.created && level === 0) return;
    for (const c of this.channels) {
      if (!c.enabled || (level > 0 && !c.renotify) || !matchesFilter(c.filter, a)) continue;
      const key = `${c.id}:${a.id}:${level}`;
      if (this.sent.has(key)) continue;
      this.sent.set(key, true);
      const st = this.stateOf(c);
      if (!st.bucket.take()) {
        this.stats.suppressed++;
        st.suppressed.count++;
        st.suppressed.byRule[a.rule_title] = (st.suppressed.byRule[a.rule_title] ?? 0) + 1;
        this.scheduleFlush(c, st);
        continue;
      }
      this.push({
        channel: c,
        notice: { reason: ch.created ? 'created' : 'escalated', alert: a, level: level || undefined },
        attempt: 0,
      });
    }
  }

  /** A summary of held-back alerts once the channel has a token again (if no alert took it first). */
  private scheduleFlush(c: Channel, st: ChannelState): void {
    if (st.flushTimer) return;
    st.flushTimer = setTimeout(() => {
      st.flushTimer = undefined;
      if (this.closed || st.suppressed.count === 0) return;
      if (!st.bucket.take()) return this.scheduleFlush(c, st);
      this.push({ channel: c, notice: { reason: 'summary' }, attempt: 0 });
    }, st.bucket.waitMs() + 50);
    st.flushTimer.unref();
  }

  private push(job: Job): void {
    if (this.queue.length >= (this.opts.maxQueue ?? 10_000)) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.active < 2 && this.queue.length > 0 && !this.closed) {
      const job = this.queue.shift() as Job;
      this.active++;
      void this.deliver(job).finally(() => {
        this.active--;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private async deliver(job: Job): Promise<void> {
    const { channel } = job;
    const st = this.stateOf(channel);
    const notice: Notice = { ...job.notice, consoleUrl: this.opts.consoleUrl };
    // The held-back count rides along with the next message that goes out.
    if (st.suppressed.count > 0 && !notice.suppressed) {
      notice.suppressed = st.suppressed;
      st.suppressed = { count: 0, byRule: {} };
      job.notice.suppressed = notice.suppressed;
    }
    const first = notice.alert?.events[0];
    if (first && this.opts.loadEvent && !notice.event) {
      notice.event = pickEventFields(await this.opts.loadEvent(first).catch(() => null));
      job.notice.event = notice.event;
    }
    try {
      await this.senders[channel.type].send(channel.config, notice);
      this.stats.sent++;
    } catch (err) {
      const delays = this.opts.retryDelaysMs ?? [2_000, 10_000, 60_000];
      if (job.attempt < delays.length && !this.closed) {
        this.stats.retried++;
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.push({ ...job, attempt: job.attempt + 1 });
        }, delays[job.attempt]);
        t.unref();
        this.timers.add(t);
      } else {
        this.stats.failed++;
        this.opts.onError?.(err, channel);
      }
    }
  }

  /** Sends a test notice now, bypassing routing and the rate limit; rejects with the delivery error. */
  async test(c: Channel): Promise<void> {
    await this.senders[c.type].send(c.config, { reason: 'test', consoleUrl: this.opts.consoleUrl });
  }

  private checkIdle(): void {
    if (this.active === 0 && this.queue.length === 0 && this.timers.size === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const fn of w) fn();
    }
  }

  /** Resolves when nothing is queued, sending or waiting for a retry (tests, shutdown). */
  idle(): Promise<void> {
    // Retry timers are unref'd (they must not hold a stopping process); whoever waits here does.
    const keep = setInterval(() => {}, 1000);
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.checkIdle();
    }).finally(() => clearInterval(keep));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const st of this.state.values()) if (st.flushTimer) clearTimeout(st.flushTimer);
    this.queue.length = 0;
    this.checkIdle();
  }
}
