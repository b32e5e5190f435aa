/**
 * What every collector shares: the options it is built with, its stats, and the sink that
 * completes a parsed event (id, @timestamp, observer.*, kyoka.collector) and hands it to
 * emit() — counting, never throwing, when emit() or a parser fails. Also the throttled,
 * serialized saving of a collector's position (offset, cursor).
 */
import { type EventInput, type KyokaEvent, newId, type ParseContext } from '@kyoka/core';
import type { StateStore } from './state.ts';

export interface CollectorStats {
  name: string;
  type: string;
  target: string;
  lines: number;
  events: number;
  errors: number;
  dropped: number;
  offset?: number;
  rotations?: number;
  truncations?: number;
  connected?: boolean;
  /** Lines longer than the limit, delivered cut. */
  capped?: number;
}

export interface Observer {
  name: string;
  hostname: string;
  type: 'agent';
}

export interface CollectorsOptions {
  /** Saved offsets live here (one small JSON per collector, atomic write). */
  stateDir: string;
  /** Receives each normalized event; may be slow (lines are read no faster than it returns). */
  emit(event: KyokaEvent): void;
  observer: Observer;
  log?: (msg: string, extra?: object) => void;
  /** File polling interval (fs.watch wakes the tailer earlier). Default 1000 ms. */
  pollMs?: number;
  /** Longer lines are cut to this many bytes. Default 32 KiB. */
  maxLineBytes?: number;
  /** How often a moved position is saved at most. Default 1000 ms. */
  saveMs?: number;
  /** journalctl binary (tests use a stand-in). Default 'journalctl' from PATH. */
  journalctl?: string;
  /** First reconnect / restart delay, doubled up to maxRetryMs. Defaults 500 ms / 30 s. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface RunningCollector {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): CollectorStats;
}

export interface Sink {
  readonly stats: CollectorStats;
  ctx(): ParseContext;
  /** Completes and emits one event (undefined: a line without an event). */
  emit(ev: EventInput | undefined): void;
  /** Runs a parser on a line; a throwing parser is counted, not fatal. */
  parse(fn: () => EventInput | undefined): void;
  log(msg: string, extra?: object): void;
}

export function createSink(stats: CollectorStats, opts: CollectorsOptions): Sink {
  const log = opts.log ?? (() => {});
  const ctx: ParseContext = { receivedAt: new Date(), sourceName: stats.name };
  const sink: Sink = {
    stats,
    ctx() {
      ctx.receivedAt = new Date();
      return ctx;
    },
    emit(ev) {
      if (ev === undefined) return;
      ev.id = newId();
      if (typeof ev['@timestamp'] !== 'string') ev['@timestamp'] = new Date().toISOString();
      ev.observer = { ...(ev.observer ?? {}), ...opts.observer };
      const kyoka = (ev.kyoka ?? {}) as Record<string, unknown>;
      kyoka.collector = stats.name;
      ev.kyoka = kyoka;
      try {
        opts.emit(ev as KyokaEvent);
        stats.events++;
      } catch (err) {
        stats.errors++;
        stats.dropped++;
        log('collector emit failed, event dropped', { collector: stats.name, error: (err as Error).message });
      }
    },
    parse(fn) {
      let ev: EventInput | undefined;
      try {
        ev = fn();
      } catch (err) {
        stats.errors++;
        stats.dropped++;
        log('collector could not parse a line', { collector: stats.name, error: (err as Error).message });
        return;
      }
      sink.emit(ev);
    },
    log(msg, extra) {
      log(msg, { collector: stats.name, ...(extra ?? {}) });
    },
  };
  return sink;
}

/** Saves the latest position at most every `everyMs`, one write at a time; flush() on stop. */
export function createSaver(store: StateStore, name: string, everyMs: number, sink: Sink) {
  let latest: object | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => {
    timer = undefined;
    const s = latest;
    latest = undefined;
    if (s === undefined) return writing;
    writing = writing
      .then(() => store.save(name, s))
      .catch((err: Error) => {
        sink.stats.errors++;
        sink.log('collector could not save its position', { error: err.message });
      });
    return writing;
  };
  return {
    update(state: object): void {
      latest = state;
      if (timer === undefined) {
        timer = setTimeout(write, everyMs);
        timer.unref();
      }
    },
    async flush(): Promise<void> {
      if (timer !== undefined) clearTimeout(timer);
      await write();
    },
  };
}

/** Doubling delay with a cap, reset after a success. */
export function backoff(first: number, max: number) {
  let next = first;
  return {
    next(): number {
      const d = next;
      next = Math.min(max, next * 2);
      return d;
    },
    reset(): void {
      next = first;
    },
  };
}
