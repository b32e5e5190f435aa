/**
 * TCP listener shared by every TCP honeypot service: binds (errors name the port), tracks and
 * limits connections per source address, drops idle ones, swallows socket errors (counting
 * them), and hands each accepted socket to the service with its ConnMeta. Per-connection state is
 * kept to the socket itself (shared listener functions, one sweep timer for idle timeouts): an idle
 * honeypot may hold tens of thousands of connections.
 * PROXY protocol v1/v2 (when enabled) is unwrapped here, before the service sees a byte.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { KyokaError } from '@kyoka/core';
import type { ConnMeta, HoneypotService, ServiceContext, ServicePort } from '../service/types.ts';
import { IdleSweep } from './idle-sweep.ts';
import { parseProxyHeader, V2_MAX } from './proxy-protocol.ts';

export interface TcpListenOptions {
  /** Service name, for counters and error messages. */
  service: string;
  port: number;
  /**
   * Idle timeout: the socket is destroyed after this long without traffic (at most a quarter
   * longer: one sweep timer serves every connection). Default 60 s.
   */
  idleMs?: number;
  onConnection(socket: Socket, meta: ConnMeta): void;
}

export interface TcpListener {
  server: Server;
  /** Bound port (useful with port 0 in tests). */
  port: number;
  close(): Promise<void>;
}

/** Strips the IPv4-mapped prefix so records show 1.2.3.4 as OpenCanary does. */
export function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function connMeta(s: Socket): ConnMeta {
  return {
    src_host: plainAddress(s.remoteAddress),
    src_port: s.remotePort ?? -1,
    dst_host: plainAddress(s.localAddress),
    dst_port: s.localPort ?? -1,
  };
}

export function bindHost(ctx: ServiceContext): string | undefined {
  const a = ctx.listenAddr;
  return a === '' ? undefined : a;
}

export function bindError(service: string, port: number, err: NodeJS.ErrnoException): KyokaError {
  const why =
    err.code === 'EADDRINUSE'
      ? 'already in use'
      : err.code === 'EACCES'
        ? 'needs privilege (run as root, grant CAP_NET_BIND_SERVICE, or pick a port above 1023)'
        : err.message;
  return new KyokaError('KYOKA_E_PORT_IN_USE', `${service}: cannot listen on port ${port}: ${why}`);
}

export async function listenTcp(ctx: ServiceContext, o: TcpListenOptions): Promise<TcpListener> {
  const maxPerSource = ctx.conf.get<number>('kyoka.max_connections_per_source', 64);
  const proxyProtocol = ctx.conf.get<boolean>('kyoka.proxy_protocol', false) === true;
  const perSource = new Map<string, number>();
  // The open connections and their idle timeouts, one timer for all (see idle-sweep.ts).
  const open = new IdleSweep<Socket>(o.idleMs ?? 60_000, (socket) => {
    ctx.count(o.service, 'idle_timeout');
    socket.destroy();
  });
  /** The bound address when it is one address (not 0.0.0.0 / ::): every connection's dst_host. */
  let fixedLocal: string | null = null;
  let boundPort = o.port;

  // One listener function per event for all sockets of this listener (`this` is the socket): a
  // closure per socket and event costs ~100 bytes each with 10,000 idle connections.
  const onError = () => ctx.count(o.service, 'socket_error');
  function onClose(this: Socket): void {
    open.delete(this);
    // node caches the peer address read at accept, so it is still known after close
    const src = plainAddress(this.remoteAddress);
    const left = (perSource.get(src) ?? 1) - 1;
    if (left <= 0) perSource.delete(src);
    else perSource.set(src, left);
  }

  const server = createServer({ noDelay: true }, (socket) => {
    const src = plainAddress(socket.remoteAddress);
    const n = perSource.get(src) ?? 0;
    if (n >= maxPerSource) {
      ctx.count(o.service, 'connection_limit');
      socket.destroy();
      return;
    }
    perSource.set(src, n + 1);
    open.add(socket);
    socket.on('error', onError);
    socket.on('close', onClose);
    // a listener on one address knows dst_host and dst_port without a getsockname() per connection
    const meta: ConnMeta =
      fixedLocal === null
        ? connMeta(socket)
        : { src_host: src, src_port: socket.remotePort ?? -1, dst_host: fixedLocal, dst_port: boundPort };
    if (proxyProtocol) {
      awaitProxyHeader(ctx, o, socket, meta);
      return;
    }
    try {
      o.onConnection(socket, meta);
    } catch (err) {
      // a protocol bug must cost one connection, never the process
      ctx.count(o.service, 'handler_error');
      ctx.debug(`${o.service}: ${(err as Error).stack ?? String(err)}`);
      socket.destroy();
    }
  });
  server.maxConnections = ctx.conf.get<number>('kyoka.max_connections', 20_000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(bindError(o.service, o.port, err as NodeJS.ErrnoException)));
    server.listen({ port: o.port, host: bindHost(ctx) }, () => resolve());
  });
  server.on('error', (err) => ctx.debug(`${o.service}: ${err.message}`));
  const addr = server.address();
  if (typeof addr === 'object' && addr) {
    boundPort = addr.port;
    if (addr.address !== '0.0.0.0' && addr.address !== '::') fixedLocal = plainAddress(addr.address);
  }
  return {
    server,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...open.sockets()]) s.destroy();
        open.stop();
        server.close(() => resolve());
      }),
  };
}

/**
 * `kyoka.proxy_protocol`: the first bytes must be a PROXY v1/v2 header; the service sees the
 * connection only after it, with the forwarded addresses (per-source limits still count the
 * forwarder's address). A missing or bad header costs the connection, counted.
 */
function awaitProxyHeader(ctx: ServiceContext, o: TcpListenOptions, socket: Socket, meta: ConnMeta): void {
  let buf: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const r = parseProxyHeader(buf);
    if (r.status === 'incomplete' && buf.length <= V2_MAX) return;
    socket.off('data', onData);
    if (r.status !== 'ok') {
      ctx.count(o.service, 'proxy_protocol_invalid');
      socket.destroy();
      return;
    }
    socket.pause();
    const rest = buf.subarray(r.consumed);
    if (rest.length) socket.unshift(rest);
    try {
      o.onConnection(socket, r.meta ?? meta);
    } catch (err) {
      ctx.count(o.service, 'handler_error');
      ctx.debug(`${o.service}: ${(err as Error).stack ?? String(err)}`);
      socket.destroy();
      return;
    }
    socket.resume();
  };
  socket.on('data', onData);
}

/**
 * The common shape of a honeypot service: one TCP listener on `<name>.port` (default
 * `defaultPort`), each connection handed to onConnection. Services with more moving parts
 * (TLS, timers) build their HoneypotService themselves.
 */
export function tcpService(
  ctx: ServiceContext,
  name: string,
  defaultPort: number,
  onConnection: (socket: Socket, meta: ConnMeta) => void,
  opts: { idleMs?: number } = {},
): HoneypotService {
  const ports: ServicePort[] = [{ port: ctx.conf.get<number>(`${name}.port`, defaultPort), transport: 'tcp' }];
  let listener: TcpListener | null = null;
  return {
    name,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: name, port: ports[0]!.port, idleMs: opts.idleMs, onConnection });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
}
