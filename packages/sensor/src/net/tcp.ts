/**
 * TCP listener shared by every TCP honeypot service: binds (errors name the port), tracks and
 * limits connections per source address, drops idle ones, swallows socket errors (counting
 * them), and hands each accepted socket to the service with its ConnMeta. Per-connection state is
 * kept to the socket itself (shared listener functions, one sweep timer for idle timeouts): an idle
 * honeypot may hold tens of thousands of connections.
 * PROXY protocol v1/v2 (when enabled) is unwrapped here, before the service sees a byte.
 * A service that needs only a Conn (conn.ts) passes `onConn`, and gets the raw transport
 * (raw-tcp.ts) unless PROXY protocol is on, `kyoka.raw_tcp` is false or the runtime lacks it;
 * one that needs a real net.Socket (TLS, node:http, ssh2) passes `onConnection`.
 */
import { createServer, type Socket } from 'node:net';
import { KyokaError } from '@kyoka/core';
import type { ConnMeta, HoneypotService, ServiceContext, ServicePort } from '../service/types.ts';
import type { Conn } from './conn.ts';
import { IdleSweep } from './idle-sweep.ts';
import { parseProxyHeader, V2_MAX } from './proxy-protocol.ts';
import { listenRaw, rawTcp } from './raw-tcp.ts';

interface ListenBase {
  /** Service name, for counters and error messages. */
  service: string;
  port: number;
  /**
   * Idle timeout: the socket is destroyed after this long without traffic (at most a quarter
   * longer: one sweep timer serves every connection). Default 60 s.
   */
  idleMs?: number;
  /** Longest a connection may stay open however it trickles; default `kyoka.max_connection_seconds`. */
  maxLifeMs?: number;
}
/** Either handler: a net.Socket for services built on node:tls, node:http or ssh2; any Conn else. */
export type TcpListenOptions = ListenBase &
  ({ onConnection(socket: Socket, meta: ConnMeta): void } | { onConn(conn: Conn, meta: ConnMeta): void });

export interface TcpListener {
  /** Bound port (useful with port 0 in tests). */
  port: number;
  /** Which transport serves it: 'raw' (raw-tcp.ts) or 'net' (node:net). */
  transport: 'raw' | 'net';
  close(): Promise<void>;
}

/** Strips the IPv4-mapped prefix so records show 1.2.3.4 as OpenCanary does. */
export function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function connMeta(s: Conn): ConnMeta {
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
  const maxConnections = ctx.conf.get<number>('kyoka.max_connections', 20_000);
  const proxyProtocol = ctx.conf.get<boolean>('kyoka.proxy_protocol', false) === true;
  const handler: (conn: Conn, meta: ConnMeta) => void =
    'onConn' in o ? o.onConn : (o.onConnection as (conn: Conn, meta: ConnMeta) => void);
  const raw =
    'onConn' in o && !proxyProtocol && ctx.conf.get<boolean>('kyoka.raw_tcp', true) !== false ? rawTcp() : null;
  const perSource = new Map<string, number>();
  // The open connections and their idle timeouts, one timer for all (see idle-sweep.ts).
  const open = new IdleSweep<Conn>(
    o.idleMs ?? 60_000,
    (conn, why) => {
      ctx.count(o.service, why === 'idle' ? 'idle_timeout' : 'max_lifetime');
      conn.destroy();
    },
    o.maxLifeMs ?? ctx.conf.get<number>('kyoka.max_connection_seconds', 600) * 1000,
  );
  /** The bound address when it is one address (not 0.0.0.0 / ::): every connection's dst_host. */
  let fixedLocal: string | null = null;
  let boundPort = o.port;

  // One listener function per event for all connections of this listener (`this` is the
  // connection): a closure per connection and event costs ~100 bytes each with 10,000 idle ones.
  const onError = () => ctx.count(o.service, 'socket_error');
  function onClose(this: Conn): void {
    open.delete(this);
    // the peer address is read at accept, so it is still known after close
    const src = plainAddress(this.remoteAddress);
    const left = (perSource.get(src) ?? 1) - 1;
    if (left <= 0) perSource.delete(src);
    else perSource.set(src, left);
  }
  const handlerError = (err: unknown) => {
    // a protocol bug must cost one connection, never the process
    ctx.count(o.service, 'handler_error');
    ctx.debug(`${o.service}: ${(err as Error).stack ?? String(err)}`);
  };

  function accept(conn: Conn): void {
    const src = plainAddress(conn.remoteAddress);
    const n = perSource.get(src) ?? 0;
    if (n >= maxPerSource) {
      ctx.count(o.service, 'connection_limit');
      conn.destroy();
      return;
    }
    perSource.set(src, n + 1);
    open.add(conn);
    conn.on('error', onError);
    conn.on('close', onClose);
    // a listener on one address knows dst_host and dst_port without a getsockname() per connection
    const meta: ConnMeta =
      fixedLocal === null
        ? connMeta(conn)
        : { src_host: src, src_port: conn.remotePort ?? -1, dst_host: fixedLocal, dst_port: boundPort };
    if (proxyProtocol) {
      awaitProxyHeader(ctx, o.service, conn as Socket, meta, handler, handlerError);
      return;
    }
    try {
      handler(conn, meta);
    } catch (err) {
      handlerError(err);
      conn.destroy();
    }
  }

  let close: () => Promise<void>;
  let address: { address: string; port: number };
  if (raw) {
    let server: ReturnType<typeof listenRaw>;
    try {
      server = listenRaw(raw, bindHost(ctx), o.port, maxConnections, accept, handlerError, ctx.commit);
    } catch (err) {
      throw bindError(o.service, o.port, err as NodeJS.ErrnoException);
    }
    address = server.address;
    close = () => new Promise<void>((resolve) => server.close(resolve));
  } else {
    const server = createServer({ noDelay: true }, accept);
    server.maxConnections = maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(bindError(o.service, o.port, err as NodeJS.ErrnoException)));
      server.listen({ port: o.port, host: bindHost(ctx) }, () => resolve());
    });
    server.on('error', (err) => ctx.debug(`${o.service}: ${err.message}`));
    const a = server.address();
    address = typeof a === 'object' && a ? a : { address: '', port: o.port };
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  }
  boundPort = address.port;
  if (address.address !== '0.0.0.0' && address.address !== '::' && address.address !== '')
    fixedLocal = plainAddress(address.address);
  return {
    port: boundPort,
    transport: raw ? 'raw' : 'net',
    close: () => {
      for (const c of [...open.sockets()]) c.destroy();
      open.stop();
      return close();
    },
  };
}

/**
 * `kyoka.proxy_protocol`: the first bytes must be a PROXY v1/v2 header; the service sees the
 * connection only after it, with the forwarded addresses (per-source limits still count the
 * forwarder's address). A missing or bad header costs the connection, counted.
 */
function awaitProxyHeader(
  ctx: ServiceContext,
  service: string,
  socket: Socket,
  meta: ConnMeta,
  handler: (conn: Conn, meta: ConnMeta) => void,
  handlerError: (err: unknown) => void,
): void {
  let buf: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const r = parseProxyHeader(buf);
    if (r.status === 'incomplete' && buf.length <= V2_MAX) return;
    socket.off('data', onData);
    if (r.status !== 'ok') {
      ctx.count(service, 'proxy_protocol_invalid');
      socket.destroy();
      return;
    }
    socket.pause();
    const rest = buf.subarray(r.consumed);
    if (rest.length) socket.unshift(rest);
    try {
      handler(socket, r.meta ?? meta);
    } catch (err) {
      handlerError(err);
      socket.destroy();
      return;
    }
    socket.resume();
  };
  socket.on('data', onData);
}

/**
 * The common shape of a honeypot service: one TCP listener on `<name>.port` (default
 * `defaultPort`), each connection handed to the handler: `onConnection` with a net.Socket (tcpService)
 * or `onConn` with any Conn, raw transport when possible (connService). Services with more moving
 * parts (TLS, timers) build their HoneypotService themselves.
 */
function listenerService(
  ctx: ServiceContext,
  name: string,
  defaultPort: number,
  handler: { onConnection(socket: Socket, meta: ConnMeta): void } | { onConn(conn: Conn, meta: ConnMeta): void },
  opts: { idleMs?: number },
): HoneypotService {
  const ports: ServicePort[] = [{ port: ctx.conf.get<number>(`${name}.port`, defaultPort), transport: 'tcp' }];
  let listener: TcpListener | null = null;
  return {
    name,
    ports,
    async start() {
      listener = await listenTcp(ctx, { service: name, port: ports[0]!.port, idleMs: opts.idleMs, ...handler });
      ports[0] = { port: listener.port, transport: 'tcp' };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
}

export function tcpService(
  ctx: ServiceContext,
  name: string,
  defaultPort: number,
  onConnection: (socket: Socket, meta: ConnMeta) => void,
  opts: { idleMs?: number } = {},
): HoneypotService {
  return listenerService(ctx, name, defaultPort, { onConnection }, opts);
}

export function connService(
  ctx: ServiceContext,
  name: string,
  defaultPort: number,
  onConn: (conn: Conn, meta: ConnMeta) => void,
  opts: { idleMs?: number } = {},
): HoneypotService {
  return listenerService(ctx, name, defaultPort, { onConn }, opts);
}
