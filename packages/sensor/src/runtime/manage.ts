/**
 * Central management, the sensor's side: enroll once with a one-time token (the api key it gets
 * back is kept in the state dir, mode 0600, and used from then on), then heartbeat every
 * `kyoka.heartbeat_seconds` with the services' status and counters. When the server answers
 * with a config, it is applied live (merged over the local file) and persisted as the
 * last-known config, used at the next start if the server is unreachable.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KyokaError } from '@kyoka/core';
import type { ServicePort } from '../service/types.ts';
import type { ServiceStatus } from './runtime.ts';

export interface Credentials {
  server_url: string;
  sensor_id: string;
  api_key: string;
}

export interface RemoteConf {
  config_version: number | string | null;
  conf: Record<string, unknown> | null;
}

const CREDS = 'server.json';
const LAST = 'last-config.json';

function writePrivate(path: string, data: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readCredentials(stateDir: string): Credentials | null {
  const p = join(stateDir, CREDS);
  if (!existsSync(p)) return null;
  try {
    const c = JSON.parse(readFileSync(p, 'utf8')) as Credentials;
    return typeof c.api_key === 'string' && c.api_key ? c : null;
  } catch {
    return null;
  }
}

export function saveCredentials(stateDir: string, c: Credentials): void {
  writePrivate(join(stateDir, CREDS), c);
}

export function readLastConf(stateDir: string): RemoteConf | null {
  try {
    const r = JSON.parse(readFileSync(join(stateDir, LAST), 'utf8')) as RemoteConf;
    return r && typeof r === 'object' ? r : null;
  } catch {
    return null;
  }
}

export function saveLastConf(stateDir: string, r: RemoteConf): void {
  writePrivate(join(stateDir, LAST), r);
}

async function postJson(url: string, body: unknown, key?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {}
  if (res.status < 200 || res.status >= 300) {
    const msg = typeof json.message === 'string' ? json.message : text.slice(0, 200);
    throw new KyokaError(
      res.status === 401 || res.status === 403 ? 'KYOKA_E_UNAUTHENTICATED' : 'KYOKA_E_UNAVAILABLE',
      `${url}: ${res.status} ${msg}`,
    );
  }
  return json;
}

export interface EnrollInfo {
  name: string;
  hostname: string;
  version: string;
  services: Array<{ name: string } & ServicePort>;
}

/** Exchanges the one-time token for the sensor's own key; saves it (0600) before returning. */
export async function enroll(serverUrl: string, token: string, info: EnrollInfo, stateDir: string) {
  const r = await postJson(new URL('/api/v1/sensors/enroll', serverUrl).href, { token, ...info });
  if (typeof r.api_key !== 'string' || !r.api_key)
    throw new KyokaError('KYOKA_E_UNAVAILABLE', 'enroll: the server answered without an api_key');
  const creds: Credentials = { server_url: serverUrl, sensor_id: String(r.sensor_id ?? ''), api_key: r.api_key };
  saveCredentials(stateDir, creds);
  const remote: RemoteConf = {
    conf: r.conf && typeof r.conf === 'object' ? (r.conf as Record<string, unknown>) : null,
    config_version: (r.config_version as number | string | null) ?? null,
  };
  if (remote.conf) saveLastConf(stateDir, remote);
  return { creds, remote };
}

export interface HeartbeatSource {
  version: string;
  status(): ServiceStatus[];
  eventsTotal(): number;
  counters(): Record<string, number>;
  configVersion(): number | string | null;
  /** Applies a config the server sent; throws when it does not validate. */
  applyRemote(r: RemoteConf): Promise<void>;
  debug(msg: string): void;
  /** Called after every heartbeat the server accepted (the spool retries at once). */
  reachable?(): void;
}

/** What a heartbeat carries (the body of POST /api/v1/sensors/heartbeat). */
export interface HeartbeatBody {
  version: string;
  services: Array<{ name: string; status: string; error?: string; port?: number; transport?: string }>;
  stats: { events_total: number; counters: Record<string, number> };
  config_version: number;
}

/**
 * Where heartbeats go: the server's HTTP API (httpHeartbeat), or, for the all-in-one's local
 * sensor, the server in the same process. The answer may carry a config to apply.
 */
export type HeartbeatSend = (body: HeartbeatBody) => Promise<{ config_version?: unknown; conf?: unknown }>;

export function httpHeartbeat(creds: Credentials): HeartbeatSend {
  const url = new URL('/api/v1/sensors/heartbeat', creds.server_url).href;
  return (body) => postJson(url, body, creds.api_key);
}

/** Heartbeats until stop(); one request at a time, never overlapping. */
export function startHeartbeat(send: HeartbeatSend, seconds: number, src: HeartbeatSource) {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const beat = async () => {
    const services = src.status().flatMap((s) => {
      const base = { name: s.name, status: s.status, ...(s.error ? { error: s.error } : {}) };
      return s.ports.length ? s.ports.map((p) => ({ ...base, port: p.port, transport: p.transport })) : [base];
    });
    const r = await send({
      version: src.version,
      services,
      stats: { events_total: src.eventsTotal(), counters: src.counters() },
      // the server takes an integer (0: nothing applied yet), not null
      config_version: Number(src.configVersion() ?? 0) || 0,
    });
    src.reachable?.();
    if (r.conf && typeof r.conf === 'object')
      await src.applyRemote({
        conf: r.conf as Record<string, unknown>,
        config_version: (r.config_version as number) ?? null,
      });
  };
  const loop = () => {
    if (stopped) return;
    beat()
      .catch((err) => src.debug(`heartbeat: ${(err as Error).message}`))
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(loop, seconds * 1000);
        timer.unref();
      });
  };
  loop();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    /** One heartbeat now (tests). */
    beat,
  };
}
