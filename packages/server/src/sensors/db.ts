/**
 * Storage for central sensor management: enrollment tokens, service templates and the sensor
 * registry (tables created by migration v3 in store/migrations.ts). The Store interface does
 * not expose its query builder, so this opens its own small Kysely connection to the same
 * database (a second SQLite connection in WAL mode, or a 2-connection pg pool); these tables
 * are tiny and off the ingest path.
 */
import { KyokaError, toKyokaError } from '@kyoka/core';
import type { Kysely } from 'kysely';
import { openFeatureDb } from '../store/feature-db.ts';

export interface SensorDB {
  sensor_tokens: {
    hash: string;
    name: string | null;
    created_by: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    sensor_id: string | null;
  };
  sensor_templates: {
    id: string;
    name: string;
    description: string;
    conf: string;
    created_at: number;
    updated_at: number;
  };
  sensors: {
    id: string;
    name: string;
    hostname: string;
    version: string;
    services: string;
    key_id: string;
    template_id: string | null;
    config_version: number;
    status: string;
    last_seen: number;
    enrolled_at: number;
    events_total: number;
    events_per_min: number;
    counters: string;
  };
}

export type SensorKysely = Kysely<SensorDB>;

/** Opens a connection for the sensor tables. `url` is what run.ts's storeUrl() returns. */
export function openSensorDb(url: string): Kysely<SensorDB> {
  return openFeatureDb<SensorDB>(url, 'sensor management').db;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

/** Wraps backend failures as KYOKA_E_STORE and unique violations as KYOKA_E_CONFLICT. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KyokaError) throw err;
    if (isUniqueViolation(err)) throw new KyokaError('KYOKA_E_CONFLICT', `${what}: already exists`, { cause: err });
    throw toKyokaError(err, 'KYOKA_E_STORE');
  }
}

export function updated(r: Array<{ numUpdatedRows?: bigint | number }> | { numUpdatedRows?: bigint | number }) {
  const row = Array.isArray(r) ? r[0] : r;
  return Number(row?.numUpdatedRows ?? 0);
}

/** JSON column text → value, tolerating damage (never throws on a bad row). */
export function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
