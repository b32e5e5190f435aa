/**
 * Stream/datagram handlers: logging.handlers.SysLogHandler (`<pri>` + message + NUL, exactly what
 * Python writes; UDP by default, TCP with socktype SOCK_STREAM) and OpenCanary's SocketJSONHandler
 * (one JSON line per record over TCP, reconnecting). Both go through a bounded queue.
 * Syslog framing is hand-written: Python's SysLogHandler format is not RFC 5424 and no library emits it.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { KyokaError } from '@kyoka/core';
import { BoundedQueue } from '../queue.ts';
import type { Formatter, HandlerConfig, HandlerEnv, LogHandler } from './types.ts';

const FACILITIES: Record<string, number> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
/** OpenCanary logs every record at WARNING. */
const WARNING = 4;

function address(name: string, c: HandlerConfig, defPort: number): { host: string; port: number } {
  const a = c.address ?? ['localhost', defPort];
  if (Array.isArray(a) && typeof a[0] === 'string' && Number.isInteger(Number(a[1])))
    return { host: a[0], port: Number(a[1]) };
  throw new KyokaError(
    'KYOKA_E_BAD_CONFIG',
    `config key "logger.kwargs.handlers.${name}.address": must be [host, port] (unix sockets are not supported)`,
  );
}

/** One TCP connection kept open and re-dialled after errors; write() resolves when the bytes are handed to the kernel. */
function tcpSender(host: string, port: number) {
  let sock: Socket | null = null;
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
      s.once('connect', () => resolve(s));
      s.once('error', reject);
      s.on('close', () => {
        if (sock === s) sock = null;
      });
    });
  return {
    async write(data: string) {
      if (!sock || sock.destroyed) {
        sock = await open();
        sock.on('error', () => {});
      }
      const s = sock;
      await new Promise<void>((resolve, reject) => s.write(data, (err) => (err ? reject(err) : resolve())));
    },
    close() {
      sock?.end();
      sock = null;
    },
  };
}

export function syslogHandler(name: string, c: HandlerConfig, fmt: Formatter, env: HandlerEnv): LogHandler {
  const { host, port } = address(name, c, 514);
  const fac = typeof c.facility === 'number' ? c.facility : (FACILITIES[String(c.facility ?? 'user')] ?? 1);
  const pri = `<${(fac << 3) | WARNING}>`;
  const stream = String(c.socktype ?? '').includes('SOCK_STREAM');
  const udp = stream ? null : createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp?.on('error', () => env.count('syslog_error'));
  udp?.unref();
  const tcp = stream ? tcpSender(host, port) : null;
  const q = new BoundedQueue<string>(
    async (batch) => {
      for (const msg of batch) {
        if (tcp) await tcp.write(msg);
        else
          await new Promise<void>((resolve, reject) =>
            udp?.send(msg, port, host, (err) => (err ? reject(err) : resolve())),
          );
      }
    },
    { batch: 100, onError: () => env.count('syslog_send_failed') },
  );
  return {
    name,
    handle(line) {
      if (!q.push(`${pri}${fmt(line)}\0`)) env.count('syslog_dropped');
    },
    stats: () => q.stats,
    async close() {
      await q.close();
      tcp?.close();
      udp?.close();
    },
  };
}

export function socketJsonHandler(name: string, c: HandlerConfig, fmt: Formatter, env: HandlerEnv): LogHandler {
  const host = String(c.host);
  const port = Number(c.port ?? 1905);
  const tcp = tcpSender(host, port);
  const q = new BoundedQueue<string>((batch) => tcp.write(batch.join('')), {
    batch: 500,
    onError: () => env.count('socketjson_send_failed'),
  });
  return {
    name,
    handle(line) {
      if (!q.push(`${fmt(line)}\n`)) env.count('socketjson_dropped');
    },
    stats: () => q.stats,
    async close() {
      await q.close();
      tcp.close();
    },
  };
}
