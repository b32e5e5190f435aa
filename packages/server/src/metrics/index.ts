/** Prometheus metrics for one server instance (own registry, so tests can run several). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kyoka_process_' });
  const m = {
    registry,
    ingestEvents: new Counter({
      name: 'kyoka_ingest_events_total',
      help: 'Events accepted, per log source',
      labelNames: ['source'],
      registers: [registry],
    }),
    ingestBytes: new Counter({
      name: 'kyoka_ingest_bytes_total',
      help: 'Bytes received, per log source',
      labelNames: ['source'],
      registers: [registry],
    }),
    parseFailures: new Counter({
      name: 'kyoka_ingest_parse_failures_total',
      help: 'Inputs rejected as unparseable or invalid, per log source and reason',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'kyoka_ingest_rejected_requests_total',
      help: 'Ingest requests refused (auth, size, media type, back-pressure)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'kyoka_ingest_dropped_total',
      help: 'Events dropped because the queue was full (syslog has no back-pressure)',
      labelNames: ['source'],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'kyoka_ingest_duplicates_total',
      help: 'Events ignored because their id was already stored',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'kyoka_ingest_queue_depth',
      help: 'Events waiting to be stored',
      registers: [registry],
    }),
    storeLatency: new Histogram({
      name: 'kyoka_store_write_seconds',
      help: 'Time to durably store one batch',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    storeBatch: new Histogram({
      name: 'kyoka_store_batch_events',
      help: 'Events per stored batch',
      buckets: [1, 10, 100, 1000, 5000, 10000, 50000],
      registers: [registry],
    }),
    storeErrors: new Counter({ name: 'kyoka_store_errors_total', help: 'Failed store writes', registers: [registry] }),
    syslogConnections: new Gauge({
      name: 'kyoka_syslog_tcp_connections',
      help: 'Open syslog TCP connections',
      registers: [registry],
    }),
    syslogRefused: new Counter({
      name: 'kyoka_syslog_tcp_connections_refused_total',
      help: 'Syslog TCP connections closed on accept (max_connections, per_source) or for silence (first_message_timeout)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'kyoka_retention_deleted_events_total',
      help: 'Events removed by retention',
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: 'kyoka_http_connections_refused_total',
      help: 'HTTP connections closed on accept: listener full (max_connections) or one address over its cap (per_source)',
      labelNames: ['listener', 'reason'],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'kyoka_auth_logins_total',
      help: 'Console login attempts by outcome (success, failure, rate_limited, invalid)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
