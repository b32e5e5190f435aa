/**
 * Wires a whole sensor: local config (file or in-memory), enrollment and the last-known server
 * config, Kyoka's spool handler or the in-process sink, the runtime, and the heartbeat.
 * Used by `kyoka sensor` and by the all-in-one `kyoka start`.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type EventInput, KyokaError } from '@kyoka/core';
import { createSensorConf, type LoadedConf, loadSensorConf, mergeValues } from '../config/conf.ts';
import { enabledServices, servicePort } from '../config/validate.ts';
import { sinkHandler } from '../log/events.ts';
import type { LogHandler } from '../log/handlers/types.ts';
import { SpoolHandler } from '../log/spool.ts';
import { ensureStateDir, stateDirOf } from '../personality/node.ts';
import { serviceInfo } from '../services/registry.ts';
import {
  type Credentials,
  enroll,
  type HeartbeatSend,
  httpHeartbeat,
  type RemoteConf,
  readCredentials,
  readLastConf,
  saveLastConf,
  startHeartbeat,
} from './manage.ts';
import { SensorRuntime, type ServiceStatus } from './runtime.ts';

export interface RunSensorOptions {
  version: string;
  /** `--config PATH`; else OpenCanary's search order. Ignored when `values` is given. */
  configPath?: string;
  /** In-memory config (the all-in-one) instead of a file. */
  values?: Record<string, unknown>;
  serverUrl?: string;
  enrollToken?: string;
  dev?: boolean;
  defaultStateDir?: string;
  /** In-process event sink (all-in-one) instead of shipping over HTTP. */
  sink?: (events: EventInput[], bytes: number) => void;
  /** In-process heartbeats (all-in-one: the server in the same process manages this sensor). */
  heartbeat?: HeartbeatSend;
  allowPortZero?: boolean;
  debug?: (msg: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RunningSensor {
  runtime: SensorRuntime;
  conf: LoadedConf;
  credentials: Credentials | null;
  status(): ServiceStatus[];
  /** One heartbeat now (tests); undefined without a server. */
  heartbeat?: () => Promise<void>;
  stop(): Promise<void>;
}

export async function runSensor(o: RunSensorOptions): Promise<RunningSensor> {
  const vopts = { allowPortZero: o.allowPortZero };
  const local = o.values
    ? createSensorConf(o.values, vopts)
    : loadSensorConf(o.configPath, { ...vopts, env: o.env ?? process.env });
  const stateDir = ensureStateDir(stateDirOf(local, o.defaultStateDir));
  const debug = o.debug ?? (() => {});

  const configured = local.get<string>('kyoka.server_url', '');
  let serverUrl = o.serverUrl || configured || '';
  let creds = readCredentials(stateDir);
  const staticKey = local.get<string>('kyoka.api_key', '');
  let remote: RemoteConf | null = readLastConf(stateDir);
  if (serverUrl && staticKey) creds = { server_url: serverUrl, sensor_id: '', api_key: staticKey };
  if (serverUrl && !creds) {
    if (!o.enrollToken)
      throw new KyokaError(
        'KYOKA_E_BAD_CONFIG',
        `not enrolled with ${serverUrl}: pass --enroll-token (one-time token from the console)`,
      );
    const services = enabledServices(local.values).flatMap((name) => {
      const info = serviceInfo(name);
      const port = servicePort(local.values, name);
      return info && info.transport !== 'none' && port !== null ? [{ name, port, transport: info.transport }] : [];
    });
    const r = await enroll(
      serverUrl,
      o.enrollToken,
      { name: local.get('device.node_id', 'opencanary-1'), hostname: hostname(), version: o.version, services },
      stateDir,
    );
    creds = r.creds;
    if (r.remote.conf) remote = r.remote;
  } else if (creds && o.enrollToken) debug('already enrolled: the enroll token is not used again');
  if (creds && !serverUrl) serverUrl = creds.server_url;

  const effective = (r: RemoteConf | null): LoadedConf =>
    r?.conf
      ? createSensorConf(mergeValues(local.values as Record<string, unknown>, r.conf), { ...vopts, path: local.path })
      : local;
  let conf = local;
  try {
    conf = effective(remote);
  } catch (err) {
    debug(`last-known server config ignored: ${(err as Error).message}`);
    remote = null;
  }

  let runtimeRef: SensorRuntime | null = null;
  /** Counters of the handlers built here, reported with the runtime's (heartbeat, /metrics). */
  const count = (name: string) => {
    const m = runtimeRef?.counters;
    m?.set(name, (m.get(name) ?? 0) + 1);
  };
  const extra: LogHandler[] = [];
  const apiKey = creds?.api_key ?? null;
  const spool =
    serverUrl && apiKey
      ? new SpoolHandler({
          dir: join(stateDir, 'spool'),
          serverUrl,
          apiKey: () => apiKey,
          env: { count: (w) => count(`spool.${w}`), debug, stateDir },
        })
      : null;
  if (spool) extra.push(spool);
  if (o.sink) extra.push(sinkHandler(o.sink, () => count('sink.dropped')));

  const runtime = new SensorRuntime(conf, { defaultStateDir: stateDir, dev: o.dev, extraHandlers: extra, debug });
  runtimeRef = runtime;
  await runtime.start();

  let hb: ReturnType<typeof startHeartbeat> | null = null;
  const send = o.heartbeat ?? (creds && serverUrl ? httpHeartbeat({ ...creds, server_url: serverUrl }) : null);
  if (send) {
    hb = startHeartbeat(send, local.get<number>('kyoka.heartbeat_seconds', 10), {
      version: o.version,
      status: () => runtime.status(),
      eventsTotal: () => runtime.eventsTotal,
      counters: () => Object.fromEntries(runtime.counters),
      configVersion: () => remote?.config_version ?? null,
      async applyRemote(r) {
        const next = effective(r); // throws on an invalid config: the running one stays
        await runtime.apply(next);
        remote = r;
        saveLastConf(stateDir, r);
      },
      debug,
      reachable: () => spool?.retryNow(),
    });
  }

  return {
    runtime,
    conf,
    credentials: creds,
    status: () => runtime.status(),
    heartbeat: hb?.beat,
    async stop() {
      hb?.stop();
      await runtime.stop();
      await Promise.all(extra.map((h) => h.close().catch(() => {})));
    },
  };
}
