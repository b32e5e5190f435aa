/**
 * Collector configuration: the `collectors:` list of the agent config, as a TypeBox schema
 * validated once at start. Errors name the key (e.g. `collectors.2.path`). Besides the schema,
 * checks that TypeBox cannot express: unique names, absolute paths, a journald unit that
 * cannot be read as a journalctl option, a redis URL with a host and port.
 */
import { KyokaError } from '@kyoka/core';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const FILE_FORMATS = ['vsftpd', 'rsyncd', 'mysql-general', 'sshd', 'mongodb', 'syslog', 'json'] as const;
export const JOURNALD_FORMATS = ['sshd', 'syslog'] as const;

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

const FileCollector = Type.Object(
  {
    type: Type.Literal('file'),
    name: Type.Optional(Name),
    path: Type.String({ minLength: 2, maxLength: 4096 }),
    format: Type.Union(FILE_FORMATS.map((f) => Type.Literal(f))),
    from: Type.Optional(Type.Union([Type.Literal('end'), Type.Literal('start')])),
  },
  { additionalProperties: false },
);

const JournaldCollector = Type.Object(
  {
    type: Type.Literal('journald'),
    name: Type.Optional(Name),
    // systemd unit names: letters, digits, ":-_.\@"; never starting with '-' (no option injection).
    unit: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9:_.@\\\\][A-Za-z0-9:_.@\\\\-]*$' }),
    format: Type.Union(JOURNALD_FORMATS.map((f) => Type.Literal(f))),
  },
  { additionalProperties: false },
);

const RedisMonitorCollector = Type.Object(
  {
    type: Type.Literal('redis-monitor'),
    name: Type.Optional(Name),
    url: Type.String({ minLength: 8, maxLength: 1024, pattern: '^redis://' }),
    password: Type.Optional(Type.String({ maxLength: 1024 })),
    /**
     * Also watch the slow log for admin commands MONITOR never shows (CONFIG SET dir,
     * REPLICAOF, MODULE LOAD): sets slowlog-log-slower-than 0 on the server. See redis-slowlog.ts.
     */
    slowlog: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const BY_TYPE = { file: FileCollector, journald: JournaldCollector, 'redis-monitor': RedisMonitorCollector } as const;

export const collectorConfigSchema = Type.Array(Type.Union([FileCollector, JournaldCollector, RedisMonitorCollector]), {
  maxItems: 256,
});

export type FileCollectorConfig = Static<typeof FileCollector>;
export type JournaldCollectorConfig = Static<typeof JournaldCollector>;
export type RedisMonitorCollectorConfig = Static<typeof RedisMonitorCollector>;
export type CollectorConfig = FileCollectorConfig | JournaldCollectorConfig | RedisMonitorCollectorConfig;

function bad(key: string, why: string): never {
  throw new KyokaError('KYOKA_E_BAD_CONFIG', `config key ${key}: ${why}`, { details: { key } });
}

/** The name a collector's stats and saved state use: its `name`, else `<type>-<index>`. */
export function collectorName(c: CollectorConfig, index: number): string {
  return c.name ?? `${c.type}-${index}`;
}

export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
}

/** Parses redis://[user[:password]@]host[:port][/db]; the `password` key wins over the URL's. */
export function parseRedisUrl(url: string, password: string | undefined, key = 'url'): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    bad(key, 'not a valid redis:// URL');
  }
  if (u.protocol !== 'redis:') bad(key, 'only redis:// is supported');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host.length === 0) bad(key, 'the URL has no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const out: RedisTarget = { host, port };
  if (u.username) out.username = decodeURIComponent(u.username);
  const pw = password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  if (pw !== undefined) out.password = pw;
  const db = u.pathname.replace(/^\//, '');
  if (db !== '') {
    if (!/^\d{1,2}$/.test(db)) bad(key, 'the database after "/" must be a number');
    out.db = Number(db);
  }
  return out;
}

/** Validates the raw `collectors` list; throws KyokaError BAD_CONFIG naming the key. */
export function validateCollectors(raw: unknown, prefix = 'collectors'): CollectorConfig[] {
  const value = raw ?? [];
  if (!Array.isArray(value)) bad(prefix, 'must be a list');
  value.forEach((item: unknown, i) => {
    const type = (item as { type?: unknown })?.type;
    if (typeof type !== 'string' || !Object.hasOwn(BY_TYPE, type))
      bad(`${prefix}.${i}.type`, `must be one of ${Object.keys(BY_TYPE).join(', ')}`);
    // Validate against the member the `type` names: a union's error would only say "union".
    const first = Value.Errors(BY_TYPE[type as keyof typeof BY_TYPE], item).First();
    if (first) {
      const path = first.path.replace(/^\//, '').replace(/\//g, '.');
      bad(path ? `${prefix}.${i}.${path}` : `${prefix}.${i}`, first.message);
    }
  });
  const first = Value.Errors(collectorConfigSchema, value).First();
  if (first) bad(prefix, first.message);
  const list = value as CollectorConfig[];
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const name = collectorName(c, i);
    if (seen.has(name)) bad(`${prefix}.${i}.name`, `duplicate collector name ${JSON.stringify(name)}`);
    seen.add(name);
    if (c.type === 'file' && !c.path.startsWith('/')) bad(`${prefix}.${i}.path`, 'must be an absolute path');
    if (c.type === 'redis-monitor') parseRedisUrl(c.url, c.password, `${prefix}.${i}.url`);
  });
  return list.map((c) => Object.freeze({ ...c })) as CollectorConfig[];
}
