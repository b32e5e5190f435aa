/**
 * Notification channels stored in the database (notification_channels, migration v6):
 * validation of admin input, CRUD, and the API view. Secrets (SMTP password, webhook header
 * values) are never returned: the view shows a mask, and a PUT that sends the mask back keeps
 * the stored value.
 */
import { KyokaError, newId } from '@kyoka/core';
import { guard, parseJson } from '../../sensors/db.ts';
import type { AlertDB, AlertKysely } from '../db.ts';
import { SEVERITIES } from '../types.ts';
import { hasLineBreak } from './escape.ts';
import type { ChannelFilter } from './routing.ts';
import type { ChannelType, EmailConfig, WebhookConfig } from './senders.ts';

export const MASK = '********';

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  config: EmailConfig | WebhookConfig;
  filter: ChannelFilter;
  rate_per_min: number;
  renotify: boolean;
  created_at: string;
  updated_at: string;
}

export interface ChannelInput {
  name: string;
  type: ChannelType;
  enabled?: boolean;
  config: Record<string, unknown>;
  filter?: ChannelFilter;
  rate_per_min?: number;
  renotify?: boolean;
}

type Row = AlertDB['notification_channels'];
const iso = (ms: number) => new Date(Number(ms)).toISOString();
const bad = (msg: string) => new KyokaError('KYOKA_E_BAD_REQUEST', msg);

function rowToChannel(r: Row): Channel {
  return {
    id: r.id,
    name: r.name,
    type: r.type as ChannelType,
    enabled: Boolean(r.enabled),
    config: parseJson(r.config, {}) as EmailConfig | WebhookConfig,
    filter: parseJson<ChannelFilter>(r.filter, {}),
    rate_per_min: Number(r.rate_per_min),
    renotify: Boolean(r.renotify),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

/** The API view: secrets masked. */
export function publicChannel(c: Channel): Channel {
  if (c.type === 'email') {
    const e = c.config as EmailConfig;
    return { ...c, config: { ...e, auth: e.auth ? { user: e.auth.user, pass: e.auth.pass ? MASK : '' } : null } };
  }
  const w = c.config as WebhookConfig;
  const headers = Object.fromEntries(Object.keys(w.headers ?? {}).map((k) => [k, MASK]));
  return { ...c, config: { ...w, headers } };
}

function str(v: unknown, key: string, max = 500): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw bad(`config.${key}: a string is required`);
  if (hasLineBreak(v)) throw bad(`config.${key}: must not contain line breaks`);
  return v;
}

/** Validates a config and fills masked secrets from the previous one. */
export function validateConfig(
  type: ChannelType,
  raw: Record<string, unknown>,
  prev?: Channel['config'],
): Channel['config'] {
  if (type === 'email') {
    const p = prev as EmailConfig | undefined;
    const port = Number(raw.port ?? (raw.secure ? 465 : 587));
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('config.port: 1-65535');
    const toRaw = Array.isArray(raw.to) ? raw.to : typeof raw.to === 'string' ? raw.to.split(',') : [];
    const to = toRaw.map((t, i) => str(String(t).trim(), `to[${i}]`, 320)).filter(Boolean);
    if (to.length === 0 || to.length > 50) throw bad('config.to: 1-50 recipients');
    const a = raw.auth as { user?: unknown; pass?: unknown } | null | undefined;
    let auth: EmailConfig['auth'] = null;
    if (a && typeof a.user === 'string' && a.user) {
      const pass = a.pass === MASK ? (p?.auth?.pass ?? '') : typeof a.pass === 'string' ? a.pass : '';
      auth = { user: str(a.user, 'auth.user', 320), pass };
    }
    return {
      host: str(raw.host, 'host', 255),
      port,
      secure: Boolean(raw.secure),
      auth,
      from: str(raw.from, 'from', 320),
      to,
      tls_insecure: Boolean(raw.tls_insecure),
    };
  }
  if (type === 'webhook') {
    const p = prev as WebhookConfig | undefined;
    const url = str(raw.url, 'url', 2000);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw bad('config.url: not a URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad('config.url: http or https only');
    const method = String(raw.method ?? 'POST').toUpperCase();
    if (method !== 'POST' && method !== 'PUT') throw bad('config.method: POST or PUT');
    const headers: Record<string, string> = {};
    const h = (raw.headers ?? {}) as Record<string, unknown>;
    if (typeof h !== 'object' || Array.isArray(h)) throw bad('config.headers: an object');
    for (const [k, v] of Object.entries(h).slice(0, 32)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(k))
        throw bad(`config.headers: bad header name ${JSON.stringify(k)}`);
      headers[k] = v === MASK ? (p?.headers?.[k] ?? '') : str(v, `headers.${k}`, 4000);
    }
    return { url, method, headers };
  }
  throw bad('type: email or webhook');
}

export function validateFilter(f: ChannelFilter | undefined): ChannelFilter {
  const out: ChannelFilter = {};
  if (!f) return out;
  if (f.rules?.length) out.rules = f.rules.map(String).slice(0, 200);
  if (f.min_severity) {
    if (!(SEVERITIES as readonly string[]).includes(f.min_severity))
      throw bad('filter.min_severity: low|medium|high|critical');
    out.min_severity = f.min_severity;
  }
  if (f.tags?.length) out.tags = f.tags.map(String).slice(0, 100);
  return out;
}

export class ChannelStore {
  constructor(
    private readonly db: AlertKysely,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<Channel[]> {
    const rows = await guard('channels', () =>
      this.db.selectFrom('notification_channels').selectAll().orderBy('name').execute(),
    );
    return rows.map(rowToChannel);
  }

  async get(id: string): Promise<Channel | null> {
    const r = await guard('channel', () =>
      this.db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst(),
    );
    return r ? rowToChannel(r) : null;
  }

  private row(input: ChannelInput, prev?: Channel): Omit<Row, 'id' | 'created_at'> {
    const name = input.name?.trim();
    if (!name || name.length > 100) throw bad('name: 1-100 characters');
    const rate = input.rate_per_min ?? prev?.rate_per_min ?? 20;
    if (!Number.isInteger(rate) || rate < 1 || rate > 10_000) throw bad('rate_per_min: 1-10000');
    const config = validateConfig(input.type, input.config ?? {}, prev?.type === input.type ? prev.config : undefined);
    return {
      name,
      type: input.type,
      enabled: (input.enabled ?? prev?.enabled ?? true) ? 1 : 0,
      config: JSON.stringify(config),
      filter: JSON.stringify(validateFilter(input.filter ?? prev?.filter)),
      rate_per_min: rate,
      renotify: (input.renotify ?? prev?.renotify ?? false) ? 1 : 0,
      updated_at: this.now(),
    };
  }

  async create(input: ChannelInput): Promise<Channel> {
    const t = this.now();
    const row: Row = { id: newId(), created_at: t, ...this.row(input) };
    await guard(`channel ${row.name}`, () => this.db.insertInto('notification_channels').values(row).execute());
    return rowToChannel(row);
  }

  async update(id: string, input: ChannelInput): Promise<Channel> {
    const prev = await this.get(id);
    if (!prev) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such channel');
    const row = this.row(input, prev);
    await guard(`channel ${row.name}`, () =>
      this.db.updateTable('notification_channels').set(row).where('id', '=', id).execute(),
    );
    return (await this.get(id)) as Channel;
  }

  async remove(id: string): Promise<void> {
    const n = await guard('channel', async () =>
      Number(
        (await this.db.deleteFrom('notification_channels').where('id', '=', id).executeTakeFirst()).numDeletedRows,
      ),
    );
    if (n === 0) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such channel');
  }
}
