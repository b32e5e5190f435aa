/**
 * The all-in-one's local sensor, managed like an enrolled one but in the same process: it shows
 * on the Sensors page (status, version, services, event rate), goes offline with an event when
 * its heartbeats stop, and takes templates live. Its registry id is kept in its state dir
 * (`local-sensor.json`, as an enrolled sensor keeps server.json), so restarts reuse one row.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HeartbeatRequest, SensorService } from './service.ts';

const FILE = 'local-sensor.json';

function readId(stateDir: string): string | null {
  try {
    const v = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as { sensor_id?: unknown };
    return typeof v.sensor_id === 'string' && v.sensor_id ? v.sensor_id : null;
  } catch {
    return null;
  }
}

function writeId(stateDir: string, id: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const p = join(stateDir, FILE);
  writeFileSync(`${p}.tmp`, `${JSON.stringify({ sensor_id: id })}\n`, { mode: 0o600 });
  renameSync(`${p}.tmp`, p);
}

/**
 * Registers (or finds) the local sensor and returns its in-process heartbeat. When the sensor
 * was removed in the console, the next heartbeat registers it again under a new id: it is
 * still running, and a running sensor belongs on the page.
 */
export async function localSensorLink(
  svc: SensorService,
  stateDir: string,
  info: { name: string; version: string },
): Promise<(hb: HeartbeatRequest) => Promise<{ config_version: number; conf: Record<string, unknown> | null }>> {
  const who = { ...info, hostname: hostname() };
  const known = readId(stateDir);
  let id = await svc.registerLocal(known, who);
  if (id !== known) writeId(stateDir, id);
  return async (hb) => {
    try {
      return await svc.heartbeatLocal(id, hb);
    } catch (err) {
      if ((err as { code?: string }).code !== 'KYOKA_E_NOT_FOUND') throw err;
      id = await svc.registerLocal(null, who);
      writeId(stateDir, id);
      return svc.heartbeatLocal(id, hb);
    }
  };
}
