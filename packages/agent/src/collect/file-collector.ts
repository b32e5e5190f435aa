/**
 * The `file` collector: a tailer (saved offsets, rotation, truncation) feeding a line parser
 * for the configured format. The position is saved after lines were emitted, so a crash
 * re-reads at most the last second of lines and never skips any (at-least-once).
 */

import { type CollectorsOptions, createSaver, createSink, type RunningCollector } from './common.ts';
import type { FileCollectorConfig } from './config.ts';
import { createLineParser } from './parsers/index.ts';
import type { StateStore } from './state.ts';
import { createTailer, type Tailer, type TailState } from './tailer.ts';

function isTailState(v: unknown): v is TailState {
  const s = v as TailState;
  return (
    typeof s?.dev === 'number' &&
    typeof s.ino === 'number' &&
    Number.isSafeInteger(s.offset) &&
    s.offset >= 0 &&
    typeof s.head === 'string' &&
    /^(?:[0-9a-f]{2}){0,64}$/.test(s.head)
  );
}

export function createFileCollector(
  name: string,
  cfg: FileCollectorConfig,
  opts: CollectorsOptions,
  store: StateStore,
): RunningCollector {
  const sink = createSink(
    { name, type: 'file', target: cfg.path, lines: 0, events: 0, errors: 0, dropped: 0, offset: 0 },
    opts,
  );
  const parse = createLineParser(cfg.format);
  const saver = createSaver(store, name, opts.saveMs ?? 1000, sink);
  let tailer: Tailer | undefined;

  return {
    async start() {
      const saved = store.load<{ path?: string; tail?: unknown }>(name);
      const state = saved?.path === cfg.path && isTailState(saved.tail) ? saved.tail : undefined;
      tailer = createTailer({
        path: cfg.path,
        from: cfg.from ?? 'end',
        state,
        pollMs: opts.pollMs,
        maxLineBytes: opts.maxLineBytes,
        log: (msg, extra) => sink.log(msg, extra),
        onLine: (line) => sink.parse(() => parse(line, sink.ctx())),
        onState: (tail) => saver.update({ path: cfg.path, tail }),
      });
      try {
        await tailer.start();
      } catch (err) {
        sink.stats.errors++;
        sink.log('collector could not open its file; will retry', { path: cfg.path, error: (err as Error).message });
      }
    },
    async stop() {
      await tailer?.stop();
      const s = tailer?.state();
      if (s !== undefined) saver.update({ path: cfg.path, tail: s });
      await saver.flush();
    },
    stats() {
      const t = tailer?.stats();
      const s = sink.stats;
      if (t !== undefined) {
        s.lines = t.lines;
        s.offset = t.offset;
        s.rotations = t.rotations;
        s.truncations = t.truncations;
        s.capped = t.capped;
      }
      return { ...s, errors: s.errors + (t?.errors ?? 0) };
    },
  };
}
