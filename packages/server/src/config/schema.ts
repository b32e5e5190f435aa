/**
 * The one configuration schema. Loaded once at start (file → env → flags), validated here,
 * then frozen; nothing below reads process.env.
 */
import { type Static, Type as T } from '@sinclair/typebox';

const Port = T.Integer({ minimum: 0, maximum: 65535 });
const portDefault = (d: number) => T.Integer({ minimum: 0, maximum: 65535, default: d });
const Tls = T.Object(
  { cert: T.String({ minLength: 1 }), key: T.String({ minLength: 1 }) },
  { additionalProperties: false },
);

/** Parser types a log-source HTTP receiver can use. */
export const SOURCE_TYPES = ['json', 'opencanary', 'webproxy'] as const;

const Receiver = T.Object(
  {
    name: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }),
    type: T.Union(SOURCE_TYPES.map((s) => T.Literal(s))),
    host: T.String({ default: '127.0.0.1' }),
    port: Port,
    tls: T.Optional(Tls),
    /** Names of API keys accepted on this receiver (Authorization: Bearer). */
    keys: T.Array(T.String(), { default: [] }),
    /** Source addresses (IPs or CIDRs) accepted without a key. */
    allow: T.Array(T.String(), { default: [] }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = T.Object(
  {
    data: T.String({ default: './kyoka-data' }),
    /** Storage URL: sqlite:PATH or postgres://…; defaults to SQLite inside `data`. */
    db: T.Optional(T.String({ minLength: 1 })),
    http: T.Object(
      {
        host: T.String({ default: '127.0.0.1' }),
        port: portDefault(8400),
        tls: T.Optional(Tls),
        /** Mark cookies Secure even without TLS here (when a TLS proxy is in front). */
        secureCookies: T.Boolean({ default: false }),
        trustProxy: T.Boolean({ default: false }),
        /** Serve /metrics without an API key (only on a trusted network). */
        publicMetrics: T.Boolean({ default: false }),
        /**
         * Whole request (headers and body) must arrive within this many seconds, else 408 and
         * the connection is closed: a client trickling its body cannot hold a socket forever.
         */
        requestTimeoutSec: T.Integer({ minimum: 1, maximum: 3600, default: 60 }),
        /**
         * Open connections per listener (API and each receiver); more are closed on accept.
         * Well below common fd limits so the store, syslog and logins still get descriptors.
         */
        maxConnections: T.Integer({ minimum: 1, default: 4096 }),
        /** Open connections per client address (0 = no per-address cap; set 0 behind a proxy). */
        maxConnectionsPerSource: T.Integer({ minimum: 0, default: 512 }),
        /** On stop, requests still running after this many seconds are cut off so the process exits. */
        shutdownTimeoutSec: T.Integer({ minimum: 0, maximum: 600, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    ingest: T.Object(
      {
        /** Largest accepted request body after decompression, bytes. */
        maxBodyBytes: T.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
        /** Largest number of events in one request. */
        maxBatch: T.Integer({ minimum: 1, default: 50_000 }),
        /**
         * Largest single event (its JSON text as received), bytes. Bigger ones are refused by index
         * (207/400): a few huge events would otherwise make every search answer too large to build.
         */
        maxEventBytes: T.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
        /** Most events waiting for storage before producers get 503 (back-pressure). */
        maxQueue: T.Integer({ minimum: 1000, default: 200_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    syslog: T.Object(
      {
        host: T.String({ default: '127.0.0.1' }),
        udp: T.Object(
          { enabled: T.Boolean({ default: true }), port: portDefault(5514) },
          { default: {}, additionalProperties: false },
        ),
        tcp: T.Object(
          {
            enabled: T.Boolean({ default: true }),
            port: portDefault(5514),
            tls: T.Optional(Tls),
            /**
             * Open syslog TCP/TLS connections; more are closed on accept (and counted). Well below
             * common fd limits: 2 × 10 000 idle connections once left the HTTP API without any.
             */
            maxConnections: T.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
            /** Open connections per sender address (a relay or a NAT may need more). */
            maxConnectionsPerSource: T.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
          },
          { default: {}, additionalProperties: false },
        ),
        maxMessageBytes: T.Integer({ minimum: 480, maximum: 1024 * 1024, default: 65536 }),
        /** Idle TCP connections are closed after this many seconds. */
        idleTimeoutSec: T.Integer({ minimum: 1, default: 300 }),
        /**
         * A TCP connection that has not sent a byte (TLS: finished its handshake) within this many
         * seconds is closed: senders write as soon as they connect, and a silent one only holds a
         * descriptor.
         */
        firstMessageTimeoutSec: T.Integer({ minimum: 1, maximum: 3600, default: 30 }),
      },
      { default: {}, additionalProperties: false },
    ),
    receivers: T.Array(Receiver, { default: [] }),
    retention: T.Object({ days: T.Integer({ minimum: 1, default: 30 }) }, { default: {}, additionalProperties: false }),
    auth: T.Object(
      {
        sessionHours: T.Number({ minimum: 0.1, default: 12 }),
        loginPerMinute: T.Integer({ minimum: 1, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    sensors: T.Object(
      {
        /** Expected heartbeat interval of managed sensors; offline after 3 missed intervals. */
        heartbeatSec: T.Integer({ minimum: 1, maximum: 3600, default: 30 }),
        /** Most enrollments accepted per minute per client address. */
        enrollPerMinute: T.Integer({ minimum: 1, default: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    detect: T.Object(
      {
        /** Extra rules directory (YAML), loaded after the built-in rules/ and watched for changes. */
        rulesDir: T.String({ default: '' }),
        /** Never alert on or decide against these: addresses/CIDRs, user names, sensor names. */
        whitelist: T.Object(
          {
            ips: T.Array(T.String(), { default: [] }),
            users: T.Array(T.String(), { default: [] }),
            sensors: T.Array(T.String(), { default: [] }),
          },
          { default: {}, additionalProperties: false },
        ),
        /** Threshold buckets kept in memory at most (least recently used dropped first). */
        maxBuckets: T.Integer({ minimum: 1000, default: 100_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: T.Object(
      {
        level: T.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => T.Literal(l)),
          { default: 'info' },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type KyokaConfig = Static<typeof ConfigSchema>;
export type ReceiverConfig = Static<typeof Receiver>;
