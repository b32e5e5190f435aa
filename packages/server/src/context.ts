import type { ApiKeyVerifier } from './auth/api-keys.ts';
import type { KyokaConfig } from './config/schema.ts';
import type { IngestService } from './ingest/service.ts';
import type { Metrics } from './metrics/index.ts';
import type { SensorService } from './sensors/service.ts';
import type { EventStore, MetaStore, Store } from './store/types.ts';

/** What routes and listeners share; built once in run.ts. */
export interface ServerContext {
  config: Readonly<KyokaConfig>;
  store: Store;
  events: EventStore;
  meta: MetaStore;
  metrics: Metrics;
  ingest: IngestService;
  keys: ApiKeyVerifier;
  /** Sensor management, set once its plugin is registered (the all-in-one's local sensor uses it). */
  sensors?: SensorService;
}
