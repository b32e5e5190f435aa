/**
 * Syslog listeners: UDP (one datagram = one message), TCP and TLS (RFC 6587 framing, auto
 * detected per message). Messages go to the ingest core as the `syslog` log source. Syslog has
 * no acknowledgement, so the writer queues them (dropping, counted, only when the queue is full).
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { SyslogFrameDecoder } from '@kyoka/core/syslog/index';
import type { ServerContext } from '../context.ts';
import type { DecodedRecord } from './decode.ts';
import { listenOrExplain } from './listen.ts';
import type { IngestSource } from './service.ts';

export interface SyslogListeners {
  udpPort: number | null;
  tcpPort: number | null;
  close(): Promise<void>;
}

const UDP_RCVBUF = 4 * 1024 * 1024; // this kernel's rmem_max: 0% loss to 150k msg/s (machine-limits.md)

/** Runs a bind/listen call, turning its first 'error' event into a rejection. */
function bound(emitter: NodeJS.EventEmitter, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}

/**
 * Caps open connections: in total (node's own cap: sockets past it are closed on accept) and
 * per sender address (counted here on the raw TCP socket, before any TLS handshake). Without
 * them two clients holding 10 000 idle connections each used up every descriptor of the
 * process and the HTTP API stopped accepting. Both refusals are counted.
 */
function capConnections(
  server: net.Server,
  limits: { maxConnections: number; maxConnectionsPerSource: number },
  metrics: ServerContext['metrics'],
): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => metrics.syslogRefused.inc({ reason: 'max_connections' }));
  const open = new Map<string, number>();
  // registered before the caller's own 'connection' listener (plain TCP): a refused socket
  // never reaches it
  server.on('connection', (raw: net.Socket) => {
    const ip = raw.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (n > limits.maxConnectionsPerSource) {
      metrics.syslogRefused.inc({ reason: 'per_source' });
      raw.destroy();
      return;
    }
    open.set(ip, n);
    raw.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}

export async function startSyslog(ctx: ServerContext): Promise<SyslogListeners> {
  const cfg = ctx.config.syslog;
  const { ingest } = ctx;
  const closers: Array<() => Promise<void>> = [];
  let udpPort: number | null = null;
  let tcpPort: number | null = null;

  const deliver = (source: IngestSource, msgs: Buffer[], peer: { ip?: string; port?: number }) => {
    const records: DecodedRecord[] = [];
    let bytes = 0;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i] as Buffer;
      bytes += m.length;
      // Binary garbage is counted, not stored. A trailing NUL is framing (Python's
      // SysLogHandler, hence OpenCanary, ends every datagram with one), not garbage.
      let end = m.length;
      while (end > 0 && m[end - 1] === 0) end--;
      if (end === 0 || m.subarray(0, end).includes(0)) {
        ingest.malformed(source.name, 'binary');
        continue;
      }
      records.push({ index: i, value: m.toString('utf8') });
    }
    if (!records.length) return;
    const { events } = ingest.prepare(records, source, peer);
    if (events.length && ingest.writer.enqueue(events, source.name)) ingest.accepted(source.name, events.length, bytes);
  };

  if (cfg.udp.enabled) {
    const source: IngestSource = { name: 'syslog', type: 'syslog', transport: 'udp' };
    const sock = dgram.createSocket({ type: cfg.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: UDP_RCVBUF });
    sock.on('message', (msg, rinfo) => {
      if (msg.length > cfg.maxMessageBytes) {
        ingest.malformed(source.name, 'too_large');
        return;
      }
      deliver(source, [msg], { ip: rinfo.address, port: rinfo.port });
    });
    sock.on('error', (err) => console.error('kyoka: syslog udp error:', err.message));
    await listenOrExplain('syslog.udp.port', cfg.udp.port, 'udp', () =>
      bound(sock, (done) => sock.bind(cfg.udp.port, cfg.host, done)),
    );
    udpPort = sock.address().port;
    ctx.ingest.stats.register({ name: 'syslog', type: 'syslog', transport: 'udp', port: udpPort });
    closers.push(() => new Promise((r) => sock.close(() => r())));
  }

  if (cfg.tcp.enabled) {
    const transport = cfg.tcp.tls ? 'tls' : 'tcp';
    const source: IngestSource = { name: 'syslog', type: 'syslog', transport };
    const sockets = new Set<net.Socket>();
    const firstMs = cfg.firstMessageTimeoutSec * 1000;
    const idleMs = cfg.idleTimeoutSec * 1000;
    const onConn = (s: net.Socket) => {
      if (s.destroyed) return; // refused by capConnections
      sockets.add(s);
      ctx.metrics.syslogConnections.inc();
      const peer = { ip: s.remoteAddress, port: s.remotePort };
      const dec = new SyslogFrameDecoder({
        maxMessageSize: cfg.maxMessageBytes,
        onError: () => ingest.malformed(source.name, 'framing'),
      });
      // A connection that never sends is only holding a descriptor: it gets the short timeout
      // until its first byte, the idle timeout after.
      let heard = false;
      s.setTimeout(firstMs);
      s.on('timeout', () => {
        if (!heard) ctx.metrics.syslogRefused.inc({ reason: 'first_message_timeout' });
        s.destroy();
      });
      s.on('data', (chunk: Buffer) => {
        if (!heard) {
          heard = true;
          s.setTimeout(idleMs);
        }
        const msgs = dec.push(chunk);
        if (msgs.length) deliver(source, msgs, peer);
        // TCP can be slowed down instead of dropping: stop reading until storage catches up.
        if (ingest.writer.crowded) {
          s.pause();
          ingest.writer.onRoom(() => s.resume());
        }
      });
      s.on('end', () => {
        const rest = dec.flush();
        if (rest.length) deliver(source, rest, peer);
        s.end();
      });
      s.on('error', () => s.destroy());
      s.on('close', () => {
        sockets.delete(s);
        ctx.metrics.syslogConnections.dec();
      });
    };
    // TLS: a handshake that never finishes is a silent connection too.
    const server = cfg.tcp.tls
      ? tls.createServer({
          cert: readFileSync(cfg.tcp.tls.cert),
          key: readFileSync(cfg.tcp.tls.key),
          handshakeTimeout: firstMs,
        })
      : net.createServer();
    capConnections(server, cfg.tcp, ctx.metrics);
    if (cfg.tcp.tls) {
      server.on('secureConnection', onConn);
      // node only reports a failed or timed-out handshake here; the socket stays open unless closed
      server.on('tlsClientError', (err: NodeJS.ErrnoException, s: net.Socket) => {
        if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT')
          ctx.metrics.syslogRefused.inc({ reason: 'first_message_timeout' });
        s.destroy();
      });
    } else server.on('connection', onConn);
    server.on('error', (err) => console.error('kyoka: syslog tcp error:', err.message));
    await listenOrExplain('syslog.tcp.port', cfg.tcp.port, 'tcp', () =>
      bound(server, (done) => server.listen(cfg.tcp.port, cfg.host, done)),
    );
    tcpPort = (server.address() as net.AddressInfo).port;
    ctx.ingest.stats.register({ name: 'syslog', type: 'syslog', transport: `udp+${transport}`, port: tcpPort });
    closers.push(
      () =>
        new Promise((r) => {
          for (const s of sockets) s.end();
          setTimeout(() => {
            for (const s of sockets) s.destroy();
          }, 1000).unref();
          server.close(() => r());
        }),
    );
  }
  return { udpPort, tcpPort, close: async () => void (await Promise.all(closers.map((c) => c()))) };
}
