/**
 * Service log collectors of the agent (issue 5, deliver 2): read the protected services' own
 * logs (files, journald, Redis MONITOR) and emit normalized Kyoka events, parsed with the same
 * program parsers the server's syslog ingest uses, so the detection rules see both alike.
 * One collector failing (a missing file or journalctl, a refused Redis AUTH) never stops the
 * others: it is counted in its stats and retried.
 */
import type { CollectorsOptions, RunningCollector } from './common.ts';
import { type CollectorConfig, collectorName } from './config.ts';
import { createFileCollector } from './file-collector.ts';
import { createJournaldCollector } from './journald.ts';
import { createRedisMonitorCollector } from './redis-monitor.ts';
import { createStateStore } from './state.ts';

export type { CollectorStats, CollectorsOptions, Observer } from './common.ts';
export {
  type CollectorConfig,
  collectorConfigSchema,
  type FileCollectorConfig,
  type JournaldCollectorConfig,
  parseRedisUrl,
  type RedisMonitorCollectorConfig,
  validateCollectors,
} from './config.ts';
export { journalEntryToEvent } from './journald.ts';
export * from './parsers/index.ts';
export { createTailer, type Tailer, type TailerOptions, type TailState } from './tailer.ts';

export interface Collectors {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): import('./common.ts').CollectorStats[];
}

/** Builds the collectors of a validated config (see validateCollectors). */
export function createCollectors(cfg: CollectorConfig[], opts: CollectorsOptions): Collectors {
  const store = createStateStore(opts.stateDir);
  const list: RunningCollector[] = cfg.map((c, i) => {
    const name = collectorName(c, i);
    switch (c.type) {
      case 'file':
        return createFileCollector(name, c, opts, store);
      case 'journald':
        return createJournaldCollector(name, c, opts, store);
      default:
        return createRedisMonitorCollector(name, c, opts);
    }
  });
  let started = false;
  return {
    async start() {
      if (started) return;
      started = true;
      await Promise.all(list.map((c) => c.start()));
    },
    async stop() {
      if (!started) return;
      started = false;
      await Promise.all(list.map((c) => c.stop()));
    },
    stats: () => list.map((c) => c.stats()),
  };
}
