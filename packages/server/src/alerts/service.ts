/**
 * The alert service: the one object the rule engine and the API talk to. `raise` stores or
 * grows an alert (store.ts), then tells subscribers and the notification dispatcher, which
 * only enqueues; a failing listener never fails the raise.
 */
import { KyokaError } from '@kyoka/core';
import type { AlertKysely } from './db.ts';
import { type Channel, type ChannelInput, ChannelStore, publicChannel } from './notify/channels.ts';
import { Dispatcher, type DispatcherOptions } from './notify/dispatcher.ts';
import { AlertStore } from './store.ts';
import type { Alert, AlertChange, AlertFilter, AlertStatus, Page, RaiseInput } from './types.ts';

export interface AlertServiceOptions {
  db: AlertKysely;
  /** Grouping window since an open alert's last_seen. Default 1 h. */
  groupWindowMs?: number;
  /** Loads a stored event by id (the first sample event is shown in notifications). */
  loadEvent?: (id: string) => Promise<unknown>;
  senders?: DispatcherOptions['senders'];
  retryDelaysMs?: number[];
  consoleUrl?: string;
  now?: () => number;
  onError?: (err: unknown, what: string) => void;
}

export type AlertListener = (change: AlertChange) => void;

export class AlertService {
  readonly store: AlertStore;
  readonly channels: ChannelStore;
  readonly dispatcher: Dispatcher;
  private readonly listeners = new Set<AlertListener>();

  constructor(private readonly opts: AlertServiceOptions) {
    const now = opts.now ?? Date.now;
    this.store = new AlertStore(opts.db, { windowMs: opts.groupWindowMs ?? 3_600_000, now });
    this.channels = new ChannelStore(opts.db, now);
    this.dispatcher = new Dispatcher({
      channels: this.channels,
      senders: opts.senders,
      loadEvent: opts.loadEvent,
      retryDelaysMs: opts.retryDelaysMs,
      consoleUrl: opts.consoleUrl,
      now,
      onError: (err, c) => opts.onError?.(err, `notification channel ${c.name}`),
    });
  }

  /** Loads the channels; call once before raising. */
  async start(): Promise<void> {
    await this.dispatcher.reload();
  }

  async raise(d: RaiseInput): Promise<{ alert: Alert; created: boolean }> {
    const change = await this.store.raise(d);
    this.announce(change);
    return { alert: change.alert, created: change.created };
  }

  /** Raises a burst in one transaction (see AlertStore.raiseMany), then announces each change. */
  async raiseMany(ds: RaiseInput[]): Promise<AlertChange[]> {
    const changes = await this.store.raiseMany(ds);
    for (const c of changes) this.announce(c);
    return changes;
  }

  private announce(change: AlertChange): void {
    this.dispatcher.onChange(change);
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.opts.onError?.(err, 'alert listener');
      }
    }
  }

  list(filter: AlertFilter, page: Page): Promise<{ alerts: Alert[]; total: number }> {
    return this.store.list(filter, page);
  }

  get(id: string): Promise<Alert | null> {
    return this.store.get(id);
  }

  setStatus(id: string, status: AlertStatus): Promise<Alert> {
    return this.store.setStatus(id, status);
  }

  /** Every raise (created or grown); returns the unsubscribe function. */
  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listChannels(): Promise<Channel[]> {
    return (await this.channels.list()).map(publicChannel);
  }

  async createChannel(input: ChannelInput): Promise<Channel> {
    const c = await this.channels.create(input);
    await this.dispatcher.reload();
    return publicChannel(c);
  }

  async updateChannel(id: string, input: ChannelInput): Promise<Channel> {
    const c = await this.channels.update(id, input);
    await this.dispatcher.reload();
    return publicChannel(c);
  }

  async deleteChannel(id: string): Promise<void> {
    await this.channels.remove(id);
    await this.dispatcher.reload();
  }

  /** Sends a test message through the channel; rejects with the delivery error. */
  async testChannel(id: string): Promise<void> {
    const c = await this.channels.get(id);
    if (!c) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such channel');
    await this.dispatcher.test(c);
  }

  /** Waits until queued notifications are delivered or given up (tests, shutdown). */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  close(): void {
    this.dispatcher.close();
    this.listeners.clear();
  }
}

export function createAlertService(opts: AlertServiceOptions): AlertService {
  return new AlertService(opts);
}
