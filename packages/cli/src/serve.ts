import { join } from 'node:path';
import type { EventInput } from '@kyoka/core';
import type { HeartbeatBody } from '@kyoka/sensor/runtime/manage';
import { type RunningServer, startServer } from '@kyoka/server';
import { Command } from 'commander';
import { configFrom, portArg, type StorageFlags, storageOptions } from './common.ts';

interface ServeFlags extends StorageFlags {
  host?: string;
  port?: number;
  syslogHost?: string;
  syslogPort?: number;
  syslog?: boolean;
  sensor?: boolean;
  sensorHost?: string;
}

export function serveCommand(name: 'start' | 'server', description: string): Command {
  const cmd = storageOptions(new Command(name).description(description))
    .option('-H, --host <addr>', 'console/API listen address (default 127.0.0.1)')
    .option('-p, --port <port>', 'console/API port (default 8400; 0 = any free port)', portArg)
    .option('--syslog-host <addr>', 'syslog listen address (default 127.0.0.1)')
    .option('--syslog-port <port>', 'syslog port for both UDP and TCP (default 5514)', portArg)
    .option('--no-syslog', 'do not listen for syslog');
  if (name === 'start')
    cmd
      .option('--no-sensor', 'do not run the local honeypot sensor')
      .option('--sensor-host <addr>', "address the local sensor's honeypots listen on (default: all interfaces)");
  cmd.addHelpText(
    'after',
    '\nEnvironment: every config key is also KYOKA_<SECTION>_<KEY> (e.g. KYOKA_HTTP_PORT=8400);\nKYOKA_ADMIN_PASSWORD sets the first-run admin password instead of generating one.',
  );
  return cmd.action(async (f: ServeFlags) => {
    const flags: Record<string, unknown> = { 'http.host': f.host, 'http.port': f.port, 'syslog.host': f.syslogHost };
    if (f.syslogPort !== undefined)
      Object.assign(flags, { 'syslog.udp.port': f.syslogPort, 'syslog.tcp.port': f.syslogPort });
    if (f.syslog === false) Object.assign(flags, { 'syslog.udp.enabled': false, 'syslog.tcp.enabled': false });
    const config = configFrom(f, flags);
    const srv = await startServer(config, { adminPassword: process.env.KYOKA_ADMIN_PASSWORD || undefined });
    const lines = [
      `Kyoka ${name === 'start' ? 'all-in-one' : 'server'} is running`,
      `  Console:  ${srv.url}`,
      `  API docs: ${srv.url}api/docs`,
      `  Storage:  ${config.db ? config.db.replace(/\/\/[^@/]*@/, '//***@') : `${config.data} (SQLite)`}`,
    ];
    const sl = [
      srv.syslog.udpPort !== null && `udp ${config.syslog.host}:${srv.syslog.udpPort}`,
      srv.syslog.tcpPort !== null &&
        `${config.syslog.tcp.tls ? 'tls' : 'tcp'} ${config.syslog.host}:${srv.syslog.tcpPort}`,
    ].filter(Boolean);
    lines.push(`  Syslog:   ${sl.length ? sl.join(', ') : 'off'}`);
    for (const [rn, port] of Object.entries(srv.receivers)) lines.push(`  Receiver: ${rn} on port ${port}`);
    const sensor =
      name === 'start' && f.sensor !== false ? await startLocalSensor(srv, config.data, f.sensorHost) : null;
    if (sensor) lines.push(...sensor.lines);
    if (srv.firstRun) {
      lines.push('');
      if (srv.firstRun.password) {
        lines.push(`  First run: log in as "${srv.firstRun.user}" with password: ${srv.firstRun.password}`);
        lines.push(
          '  (shown once; change it in the console under your name, "Change password"; locked out: `kyoka users reset-password`)',
        );
      } else {
        lines.push(`  First run: log in as "${srv.firstRun.user}" with the password from KYOKA_ADMIN_PASSWORD`);
      }
    }
    console.log(lines.join('\n'));
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`kyoka: ${sig}: stopping (storing queued events)…`);
      await sensor?.sensor?.stop();
      await srv.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });
}

/**
 * The all-in-one's local sensor: its events go straight into this server's ingest as source
 * "sensor", and the server manages it in-process like an enrolled sensor (sensors/local.ts).
 */
async function startLocalSensor(srv: RunningServer, dataDir: string, listenAddr: string | undefined) {
  const { startAllInOneSensor } = await import('@kyoka/sensor/runtime/all-in-one');
  const { localSensorLink } = await import('@kyoka/server/sensors/local');
  const { VERSION } = await import('@kyoka/server/app');
  const source = { name: 'sensor', type: 'ecs', transport: 'tcp' } as const;
  srv.ctx.ingest.stats.register({ ...source, port: null });
  const deliver = (input: EventInput[], bytes: number) => {
    const { events } = srv.ctx.ingest.prepare(
      input.map((value, index) => ({ index, value })),
      source,
      {},
    );
    if (events.length && srv.ctx.ingest.writer.enqueue(events, source.name))
      srv.ctx.ingest.accepted(source.name, events.length, bytes);
  };
  try {
    const svc = srv.ctx.sensors;
    const link = svc
      ? await localSensorLink(svc, join(dataDir, 'sensor'), { name: 'kyoka-local', version: VERSION })
      : null;
    const heartbeat = link && {
      seconds: srv.ctx.config.sensors.heartbeatSec,
      send: (hb: HeartbeatBody) =>
        link({
          ...hb,
          services: hb.services.map((s) => ({ ...s, port: s.port ?? null, transport: s.transport ?? '' })),
        }),
    };
    return await startAllInOneSensor({
      dataDir,
      version: VERSION,
      deliver,
      listenAddr,
      ...(heartbeat ? { heartbeat } : {}),
    });
  } catch (err) {
    return { sensor: null, lines: [`  Sensor:   not started: ${(err as Error).message}`] };
  }
}
