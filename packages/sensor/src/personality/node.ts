/**
 * Per-node identity: the node id written into every record (OpenCanary's `device.node_id`)
 * and the node's private state directory (host keys, certificates, spool, api key), created 0700.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { SensorConf } from '../service/types.ts';

export const DEFAULT_NODE_ID = 'opencanary-1';

export function nodeId(conf: SensorConf): string {
  const id = conf.get<unknown>('device.node_id', DEFAULT_NODE_ID);
  return typeof id === 'string' && id !== '' ? id : DEFAULT_NODE_ID;
}

/** `kyoka.state_dir` when set, else `defaultDir` (the all-in-one passes `<data>/sensor`), else ~/.kyoka-sensor. */
export function stateDirOf(conf: SensorConf, defaultDir?: string): string {
  const v = conf.get<unknown>('kyoka.state_dir', '');
  const dir = typeof v === 'string' && v !== '' ? v : (defaultDir ?? join(homedir(), '.kyoka-sensor'));
  return isAbsolute(dir) ? dir : resolve(dir);
}

/** Creates the directory (and parents) and forces mode 0700 on it. */
export function ensureStateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}
