/**
 * The local sensor `kyoka start` runs beside the server: a useful default set of services on a
 * fixed, documented port mapping (unprivileged ports when not root), busy ports skipped with a
 * notice, records written to `<data>/sensor/opencanary.log` and sunk in-process into the
 * server's ingest, so a new user sees honeypot events in the console within a minute.
 *
 *   service      not root   root
 *   ssh          2222       22
 *   ftp          2121       21
 *   telnet       2323       23
 *   http         8080       80
 *   httpproxy    3128       3128
 *   mysql        3306       3306
 *   redis        6379       6379
 *   tcpbanner_1  8001       8001
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { EventInput } from '@kyoka/core';
import type { HeartbeatSend } from './manage.ts';
import { type RunningSensor, runSensor } from './run.ts';
import { describeStatus } from './runtime.ts';

export const ALL_IN_ONE_PORTS: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  ssh: [2222, 22],
  ftp: [2121, 21],
  telnet: [2323, 23],
  http: [8080, 80],
  httpproxy: [3128, 3128],
  mysql: [3306, 3306],
  redis: [6379, 6379],
  tcpbanner_1: [8001, 8001],
});

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: host || undefined, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

export interface AllInOneOptions {
  dataDir: string;
  version: string;
  deliver: (events: EventInput[], bytes: number) => void;
  /** Address the honeypots bind ('' = all interfaces). */
  listenAddr?: string;
  root?: boolean;
  /**
   * The server in the same process manages this sensor like an enrolled one: heartbeats (the
   * Sensors page shows it, offline when they stop) and templates applied live.
   */
  heartbeat?: { send: HeartbeatSend; seconds: number };
}

/** Starts the local sensor; `lines` says which services listen where (and which ports were skipped). */
export async function startAllInOneSensor(o: AllInOneOptions): Promise<{ sensor: RunningSensor; lines: string[] }> {
  const root = o.root ?? process.getuid?.() === 0;
  const listen = o.listenAddr ?? '';
  const stateDir = join(o.dataDir, 'sensor');
  const values: Record<string, unknown> = {
    'device.node_id': 'kyoka-local',
    'device.listen_addr': listen,
    'kyoka.state_dir': stateDir,
    'ftp.log_auth_attempt_initiated': true,
    'telnet.log_tcp_connection': true,
    'tcpbanner_1.initbanner': '',
    ...(o.heartbeat ? { 'kyoka.heartbeat_seconds': o.heartbeat.seconds } : {}),
    logger: {
      class: 'PyLogger',
      kwargs: { handlers: { file: { class: 'logging.FileHandler', filename: join(stateDir, 'opencanary.log') } } },
    },
  };
  const notes: string[] = [];
  for (const [name, [user, priv]] of Object.entries(ALL_IN_ONE_PORTS)) {
    const port = root ? priv : user;
    if (await portFree(port, listen)) {
      values[`${name}.enabled`] = true;
      values[`${name}.port`] = port;
    } else notes.push(`  ${name.padEnd(12)} skipped: port ${port} is busy`);
  }
  const sensor = await runSensor({
    version: o.version,
    values,
    defaultStateDir: stateDir,
    sink: o.deliver,
    heartbeat: o.heartbeat?.send,
  });
  const lines = [`  Sensor:   node kyoka-local, log ${join(stateDir, 'opencanary.log')}`];
  lines.push(...describeStatus(sensor.status(), listen), ...notes);
  return { sensor, lines };
}
