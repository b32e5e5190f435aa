/**
 * Central management of honeypot sensors: enrollment (one-time token → a `sensor` API key),
 * heartbeats (registry update, event rate, live config push), and offline detection, which
 * writes sensor.offline / sensor.online events through the normal ingest path so they are
 * searchable and alertable like any other event.
 */
import { KyokaError, newId } from '@kyoka/core';
import { createApiKey } from '../auth/api-keys.ts';
import type { ServerContext } from '../context.ts';
import type { IngestSource } from '../ingest/service.ts';
import type { SensorKysely } from './db.ts';
import { Registry, type SensorRow, type ServiceInfo, sensorView } from './registry.ts';
import { consumeEnrollToken, purgeTokens } from './tokens.ts';
import type { FlatConf } from './validate.ts';

const SOURCE: IngestSource = { name: 'kyoka-sensors', type: 'ecs', transport: 'http' };
/** Offline after this many missed heartbeat intervals. */
export const MISSED_HEARTBEATS = 3;
const MAX_SERVICES = 64;

export interface EnrollRequest {
  token: string;
  name: string;
  hostname: string;
  version: string;
  services: ServiceInfo[];
}

export interface HeartbeatRequest {
  version: string;
  services: ServiceInfo[];
  stats: { events_total: number; counters?: Record<string, unknown> };
  config_version: number;
}

const clip = (s: unknown, n: number): string => (typeof s === 'string' ? s.slice(0, n) : '');

/** Keeps only the declared fields of each service, bounded. */
function cleanServices(list: ServiceInfo[]): ServiceInfo[] {
  return list.slice(0, MAX_SERVICES).map((s) => {
    const o: ServiceInfo = {
      name: clip(s.name, 64),
      port: Number.isInteger(s.port) ? s.port : null,
      transport: clip(s.transport, 8),
    };
    if (s.status !== undefined) o.status = clip(s.status, 16);
    if (s.error !== undefined) o.error = clip(s.error, 300);
    return o;
  });
}

/** Numeric counters only, at most 200, names bounded. */
function cleanCounters(c: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  let n = 0;
  for (const [k, v] of Object.entries(c ?? {})) {
    if (n >= 200) break;
    if (typeof v === 'number' && Number.isFinite(v)) {
      out[k.slice(0, 96)] = v;
      n++;
    }
  }
  return out;
}

export class SensorService {
  readonly registry: Registry;

  constructor(
    readonly db: SensorKysely,
    private readonly ctx: ServerContext,
  ) {
    this.registry = new Registry(db);
    ctx.ingest.stats.register({ name: SOURCE.name, type: 'ecs', transport: 'http', port: null });
  }

  get heartbeatMs(): number {
    return this.ctx.config.sensors.heartbeatSec * 1000;
  }

  async enroll(req: EnrollRequest): Promise<{
    sensor_id: string;
    api_key: string;
    conf: FlatConf | null;
    config_version: number;
  }> {
    const id = newId();
    const { name: tokenName } = await consumeEnrollToken(this.db, req.token, id);
    const name = clip(req.name, 128) || tokenName || clip(req.hostname, 128) || id;
    const secret = await this.register(id, {
      name,
      hostname: req.hostname,
      version: req.version,
      services: cleanServices(req.services),
    });
    return { sensor_id: id, api_key: secret, conf: null, config_version: 0 };
  }

  /** A new sensor row with a `sensor` API key of its own; returns the key's secret. */
  private async register(
    id: string,
    s: { name: string; hostname: string; version: string; services: ServiceInfo[] },
  ): Promise<string> {
    const name = clip(s.name, 128);
    const { key, secret } = await createApiKey(this.ctx.meta, `sensor:${name}`.slice(0, 64), 'sensor');
    const now = Date.now();
    await this.registry.insertSensor({
      id,
      name,
      hostname: clip(s.hostname, 255),
      version: clip(s.version, 64),
      services: JSON.stringify(s.services),
      key_id: key.id,
      template_id: null,
      config_version: 0,
      status: 'online',
      last_seen: now,
      enrolled_at: now,
      events_total: 0,
      events_per_min: 0,
      counters: '{}',
    });
    return secret;
  }

  async heartbeat(keyId: string, hb: HeartbeatRequest): Promise<{ config_version: number; conf: FlatConf | null }> {
    const s = await this.registry.sensorByKey(keyId);
    if (!s) throw new KyokaError('KYOKA_E_FORBIDDEN', 'this key does not belong to an enrolled sensor');
    return this.beat(s, hb);
  }

  /**
   * The all-in-one's own sensor, managed in-process like an enrolled one: registered on its
   * first start (with a `sensor` key of its own, so removing it in the console works as for
   * any sensor) and found again by the id the caller kept. Returns the sensor's id.
   */
  async registerLocal(
    knownId: string | null,
    info: { name: string; hostname: string; version: string },
  ): Promise<string> {
    if (knownId && (await this.registry.getSensor(knownId))) return knownId;
    const id = newId();
    await this.register(id, { ...info, services: [] });
    return id;
  }

  /** A heartbeat of the all-in-one's sensor (registerLocal's id); refused once it was removed. */
  async heartbeatLocal(id: string, hb: HeartbeatRequest): Promise<{ config_version: number; conf: FlatConf | null }> {
    const s = await this.registry.getSensor(id);
    if (!s) throw new KyokaError('KYOKA_E_NOT_FOUND', 'the local sensor was removed in the console');
    return this.beat(s, hb);
  }

  private async beat(s: SensorRow, hb: HeartbeatRequest): Promise<{ config_version: number; conf: FlatConf | null }> {
    const now = Date.now();
    const total = Math.max(0, Math.floor(Number(hb.stats.events_total) || 0));
    const dtMin = (now - Number(s.last_seen)) / 60_000;
    // a restarted sensor counts from 0 again: its new total is the delta
    const delta = total >= Number(s.events_total) ? total - Number(s.events_total) : total;
    const rate = dtMin > 0 ? delta / dtMin : Number(s.events_per_min);
    await this.registry.updateSensor(s.id, {
      version: clip(hb.version, 64),
      services: JSON.stringify(cleanServices(hb.services)),
      counters: JSON.stringify(cleanCounters(hb.stats.counters)),
      events_total: total,
      events_per_min: rate,
      last_seen: now,
      status: 'online',
    });
    if (s.status !== 'online') await this.emit('sensor.online', { ...s, last_seen: now });
    const version = Number(s.config_version);
    let conf: FlatConf | null = null;
    if (s.template_id && hb.config_version !== version) conf = await this.registry.templateConf(s.template_id);
    return { config_version: version, conf };
  }

  /** Marks sensors silent for MISSED_HEARTBEATS intervals offline, with one event each. */
  async checkOffline(now = Date.now()): Promise<number> {
    const changed = await this.registry.markStale(now - MISSED_HEARTBEATS * this.heartbeatMs);
    for (const s of changed) await this.emit('sensor.offline', s);
    if (changed.length) await purgeTokens(this.db, now).catch(() => {});
    return changed.length;
  }

  private async emit(action: 'sensor.offline' | 'sensor.online', s: Parameters<typeof sensorView>[0]): Promise<void> {
    const v = sensorView(s, null);
    const offline = action === 'sensor.offline';
    const record = {
      '@timestamp': new Date().toISOString(),
      event: {
        kind: 'event',
        category: ['host'],
        type: [offline ? 'end' : 'start'],
        action,
        dataset: 'kyoka.sensor',
        module: 'kyoka',
        severity: offline ? 5 : 1,
      },
      observer: { name: v.name, hostname: v.hostname, type: 'honeypot', version: v.version },
      message: offline
        ? `sensor ${v.name} is offline: no heartbeat since ${v.last_seen}`
        : `sensor ${v.name} is back online`,
      kyoka: { sensor: { id: v.id, last_seen: v.last_seen } },
    };
    const { events, errors } = this.ctx.ingest.prepare([{ index: 0, value: record }], SOURCE, {});
    if (errors.length || !events.length) return;
    await this.ctx.ingest.writer.write(events);
    this.ctx.ingest.accepted(SOURCE.name, events.length, 0);
  }
}
