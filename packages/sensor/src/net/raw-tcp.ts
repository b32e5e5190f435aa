/**
 * Raw TCP transport for line-protocol honeypot services: libuv's TCP handles driven through Node's
 * own tcp_wrap / stream_wrap bindings (what lib/net.js is built on), without net.Socket, its
 * streams and nextTick chains. Why: for FTP the socket layer, not the protocol, is most of the CPU
 * per attempt. `bench/honeypot/floor.ts --opencanary` measured a minimal FTP server at 0.208 CPU-s
 * per 1,000 attempts on node:net and 0.137 on these handles, against a 5x budget of 0.16 (live
 * OpenCanary 0.81). Internal API (Node 20): `rawTcp()` checks its shape once and answers null when
 * anything differs; tcp.ts then uses node:net, as it does for PROXY protocol and `kyoka.raw_tcp: false`.
 * A RawConn is the part of net.Socket the services use (conn.ts); conn.test.ts runs the same
 * conformance suite over both.
 */
import { isIPv6, Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { CommitGroup, Holder } from '../log/commit.ts';
import type { Conn } from './conn.ts';

/** A client's pending output beyond which it is dropped (a peer that sends but never reads). */
export const MAX_WRITE_QUEUE = 1024 * 1024;
const UV_EOF = -4095;

interface Req {
  handle: Handle;
  oncomplete(status: number): void;
  async: boolean;
  conn?: RawConn;
  buffer?: unknown;
}
interface Handle {
  onread: (this: Handle, ab: ArrayBuffer | undefined) => void;
  onconnection: ((err: number, client: Handle | undefined) => void) | null;
  owner?: RawConn;
  writeQueueSize: number;
  bind(host: string, port: number): number;
  bind6(host: string, port: number, flags: number): number;
  listen(backlog: number): number;
  getsockname(out: Record<string, unknown>): number;
  getpeername(out: Record<string, unknown>): number;
  setNoDelay(on: boolean): number;
  readStart(): number;
  readStop(): number;
  writeUtf8String(req: Req, s: string): number;
  writeBuffer(req: Req, b: Uint8Array): number;
  shutdown(req: Req): number;
  close(cb?: () => void): void;
}
interface Bindings {
  TCP: new (type: number) => Handle;
  SERVER: number;
  WriteWrap: new () => Req;
  ShutdownWrap: new () => Req;
  state: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kBytesWritten: number;
  kLastWriteWasAsync: number;
}

let bindings: Bindings | null | undefined;

/** Node's TCP bindings when they have the shape this file drives, else null (once). */
export function rawTcp(): Bindings | null {
  if (bindings !== undefined) return bindings;
  bindings = null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding;
    const tcp = binding('tcp_wrap') as { TCP?: Bindings['TCP']; constants?: { SERVER?: number } };
    const sw = binding('stream_wrap') as Record<string, unknown>;
    const proto = tcp.TCP?.prototype as unknown as Record<string, unknown> | undefined;
    const fns = ['bind', 'bind6', 'listen', 'getsockname', 'getpeername', 'setNoDelay', 'readStart', 'readStop'];
    const more = ['writeUtf8String', 'writeBuffer', 'shutdown', 'close'];
    if (!proto || ![...fns, ...more].every((f) => typeof proto[f] === 'function')) return null;
    const nums = ['kReadBytesOrError', 'kArrayBufferOffset', 'kBytesWritten', 'kLastWriteWasAsync'];
    if (typeof tcp.constants?.SERVER !== 'number' || !nums.every((k) => typeof sw[k] === 'number')) return null;
    if (!(sw.streamBaseState instanceof Int32Array) || typeof sw.WriteWrap !== 'function') return null;
    bindings = {
      TCP: tcp.TCP as Bindings['TCP'],
      SERVER: tcp.constants.SERVER,
      WriteWrap: sw.WriteWrap as Bindings['WriteWrap'],
      ShutdownWrap: sw.ShutdownWrap as Bindings['ShutdownWrap'],
      state: sw.streamBaseState,
      kReadBytesOrError: sw.kReadBytesOrError as number,
      kArrayBufferOffset: sw.kArrayBufferOffset as number,
      kBytesWritten: sw.kBytesWritten as number,
      kLastWriteWasAsync: sw.kLastWriteWasAsync as number,
    };
  } catch {
    bindings = null;
  }
  return bindings;
}

function uvError(err: number, syscall: string): NodeJS.ErrnoException {
  let code = 'UNKNOWN';
  try {
    code = getSystemErrorName(err);
  } catch {}
  const e: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  e.code = code;
  e.errno = err;
  e.syscall = syscall;
  return e;
}

type DataFn = (this: Conn, chunk: Buffer) => void;
type CloseFn = (this: Conn) => void;
type ErrorFn = (this: Conn, err: Error) => void;

function noop(): void {}

/** The connection as a net.Socket: itself on node:net, taken over (RawConn.toSocket) on raw handles. */
export function asSocket(conn: Conn): Socket | null {
  return conn instanceof Socket ? conn : conn instanceof RawConn ? conn.toSocket() : null;
}

type Closing = 'end' | 'soon' | 'destroy';

/**
 * One accepted connection. Listeners run with `this` = the conn, like net.Socket's. With a
 * CommitGroup, a record logged while its bytes are handled holds its output (write, end, destroy)
 * until the group has written the record (../log/commit.ts).
 */
export class RawConn implements Conn, Holder {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private local: Record<string, unknown> | null = null;
  bytesRead = 0;
  bytesWritten = 0;
  destroyed = false;
  writableEnded = false;
  private readEnded = false;
  private shutdownDone = false;
  private closeAfterShutdown = false;
  private corked = 0;
  private held: Buffer[] | null = null;
  private data: DataFn[] = [];
  private closes: CloseFn[] = [];
  private errors: ErrorFn[] = [];
  /** The net.Socket that took the handle over (toSocket). */
  private socket: Socket | null = null;
  /** Output held for the group commit, and the end()/destroy() asked for meanwhile. */
  private waiting: Array<string | Uint8Array> | null = null;
  private closing: Closing | null = null;

  constructor(
    /** @internal */
    readonly b: Bindings,
    private readonly handle: Handle,
    /** Called when a 'data' listener throws: a protocol bug costs the connection, not the process. */
    private readonly onListenerError: (err: unknown) => void,
    /** @internal */
    readonly commit: CommitGroup | null = null,
  ) {
    const peer: Record<string, unknown> = {};
    handle.getpeername(peer);
    this.remoteAddress = typeof peer.address === 'string' ? peer.address : undefined;
    this.remotePort = typeof peer.port === 'number' ? peer.port : undefined;
    handle.owner = this;
    handle.onread = onRead;
    // read at once, as net.Socket does: a peer's FIN or reset is seen even before any listener
    handle.readStart();
  }

  /** getsockname() on first use: a listener bound to one address never needs it. */
  get localAddress(): string | undefined {
    return this.sockname().address as string | undefined;
  }

  get localPort(): number | undefined {
    return this.sockname().port as number | undefined;
  }

  private sockname(): Record<string, unknown> {
    if (this.local === null) {
      this.local = {};
      if (!this.destroyed) this.handle.getsockname(this.local);
    }
    return this.local;
  }

  on(event: 'data', fn: DataFn): this;
  on(event: 'close', fn: CloseFn): this;
  on(event: 'error', fn: ErrorFn): this;
  on(event: 'data' | 'close' | 'error', fn: DataFn | CloseFn | ErrorFn): this {
    if (event === 'data') this.data.push(fn as DataFn);
    else if (event === 'close') this.closes.push(fn as CloseFn);
    else this.errors.push(fn as ErrorFn);
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.socket) return this.socket.write(chunk);
    if (this.destroyed || this.writableEnded) return false;
    if (this.waiting) {
      this.waiting.push(chunk);
      return true;
    }
    return this.out(chunk);
  }

  private out(chunk: string | Uint8Array): boolean {
    if (this.corked > 0) {
      const buf =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (this.held) this.held.push(buf);
      else this.held = [buf];
      return true;
    }
    return this.send(chunk);
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    if (this.corked === 0 || --this.corked > 0) return;
    const held = this.held;
    this.held = null;
    if (held && !this.destroyed) this.send(held.length === 1 ? held[0]! : Buffer.concat(held));
  }

  private send(chunk: string | Uint8Array): boolean {
    const b = this.b;
    const req = new b.WriteWrap();
    req.handle = this.handle;
    req.oncomplete = noop;
    req.async = false;
    const err =
      typeof chunk === 'string' ? this.handle.writeUtf8String(req, chunk) : this.handle.writeBuffer(req, chunk);
    if (err) {
      this.fail(err, 'write');
      return false;
    }
    this.bytesWritten += b.state[b.kBytesWritten]!;
    // libuv keeps a pointer to a Buffer it could not write at once: keep the Buffer alive with it
    if (b.state[b.kLastWriteWasAsync]) req.buffer = chunk;
    if (this.handle.writeQueueSize > MAX_WRITE_QUEUE) {
      this.fail(-105 /* ENOBUFS */, 'write');
      return false;
    }
    return true;
  }

  /** Sends `chunk` if given, then FIN once the output is flushed; closes when both sides are done. */
  end(chunk?: string | Uint8Array): this {
    if (this.socket) {
      if (chunk === undefined) this.socket.end();
      else this.socket.end(chunk);
      return this;
    }
    if (chunk !== undefined) this.write(chunk);
    if (this.destroyed || this.writableEnded) return this;
    if (this.defer('end')) return this;
    if (this.corked > 0) {
      this.corked = 1;
      this.uncork();
    }
    this.writableEnded = true;
    const req = new this.b.ShutdownWrap();
    req.handle = this.handle;
    req.conn = this;
    req.oncomplete = afterShutdown;
    if (this.handle.shutdown(req)) this.destroy();
    return this;
  }

  destroy(): this {
    if (this.socket) {
      this.socket.destroy();
      return this;
    }
    if (this.destroyed || this.defer('destroy')) return this;
    this.destroyed = true;
    this.writableEnded = true;
    // the binding aborts the process on a non-function here: a no-op, never null
    this.handle.onread = noop;
    this.handle.close(() => {
      for (const fn of this.closes) fn.call(this);
    });
    return this;
  }

  destroySoon(): void {
    if (this.socket) {
      this.socket.destroySoon();
      return;
    }
    if (this.destroyed || this.defer('soon')) return;
    if (this.corked > 0) {
      this.corked = 1;
      this.uncork();
    }
    // nothing queued: close(2) sends the FIN itself, without shutdown's extra turn
    if (this.handle.writeQueueSize === 0) {
      this.destroy();
      return;
    }
    this.closeAfterShutdown = true;
    this.end();
  }

  pause(): this {
    if (this.socket) this.socket.pause();
    else if (!this.destroyed && !this.readEnded) this.handle.readStop();
    return this;
  }

  resume(): this {
    if (this.socket) this.socket.resume();
    else if (!this.destroyed && !this.readEnded) this.handle.readStart();
    return this;
  }

  /** While output is held: note the close for releaseOutput() and let nothing more out. */
  private defer(how: Closing): boolean {
    if (!this.waiting) return false;
    // destroy outranks a gentler close asked for earlier
    if (this.closing === null || how === 'destroy') this.closing = how;
    this.writableEnded = true;
    return true;
  }

  holdOutput(): boolean {
    // a net.Socket that took over writes past this conn: its records are written at once
    if (this.socket || this.destroyed) return false;
    if (!this.waiting) this.waiting = [];
    return true;
  }

  releaseOutput(): void {
    const held = this.waiting;
    if (!held) return;
    this.waiting = null;
    const closing = this.closing;
    this.closing = null;
    if (this.destroyed) return;
    if (held.length === 1) this.out(held[0]!);
    else if (held.length > 1)
      this.out(held.every((c) => typeof c === 'string') ? held.join('') : Buffer.concat(held.map(toBytes)));
    if (closing === null || this.destroyed) return;
    this.writableEnded = false; // set by defer(); the real close below checks it
    if (closing === 'end') this.end();
    else if (closing === 'soon') this.destroySoon();
    else this.destroy();
  }

  /**
   * Hands the connection to a net.Socket over the same libuv handle, for a service that needs a
   * stream (ssh2) after a cheap start on this transport: what the peer sends from now on goes to
   * the socket. This RawConn stays the listener's record of the connection: its byte counts
   * include the socket's (the idle sweep reads them), its write / end / destroy / pause / resume
   * act on the socket, and its 'error' and 'close' listeners hear the socket's ('data' listeners
   * hear nothing more). null when the connection is closing or holds corked output.
   */
  toSocket(): Socket | null {
    // output held for the group commit goes first, after its records
    if (this.waiting) this.commit?.flush();
    if (this.socket || this.destroyed || this.writableEnded || this.readEnded || this.corked > 0) return null;
    const handle = this.handle;
    handle.readStop();
    handle.owner = undefined;
    // net.Socket takes an accepted handle as net.Server does (it sets onread and starts reading)
    const opts = { handle, readable: true, writable: true }; // `handle`: not in @types/node, in net.js
    const s = new Socket(opts as ConstructorParameters<typeof Socket>[0]);
    this.socket = s;
    const read = this.bytesRead;
    const written = this.bytesWritten;
    Object.defineProperty(this, 'bytesRead', { get: () => read + s.bytesRead });
    Object.defineProperty(this, 'bytesWritten', { get: () => written + (s.bytesWritten ?? 0) });
    s.on('error', (e) => {
      for (const fn of this.errors) fn.call(this, e);
    });
    s.once('close', () => {
      this.destroyed = true;
      this.writableEnded = true;
      for (const fn of this.closes) fn.call(this);
    });
    return s;
  }

  /** Destroyed, or destroy() waits for the group commit: no more bytes for the listeners. */
  private dropping(): boolean {
    return this.destroyed || this.closing === 'destroy';
  }

  /** @internal bytes from onRead */
  received(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (this.dropping()) return;
    const commit = this.commit;
    const prev = commit ? commit.enter(this) : null;
    try {
      for (const fn of this.data) {
        fn.call(this, chunk);
        if (this.dropping()) break;
      }
    } catch (err) {
      this.onListenerError(err);
      this.destroy();
    } finally {
      commit?.leave(prev);
    }
  }

  /** @internal the peer's FIN: as net.Socket without allowHalfOpen, answer with ours, then close */
  peerEnded(): void {
    this.readEnded = true;
    if (!this.writableEnded) this.destroySoon();
    else if (this.shutdownDone) this.destroy();
  }

  /** @internal our FIN is out */
  shutDown(): void {
    this.shutdownDone = true;
    if (this.readEnded || this.closeAfterShutdown) this.destroy();
  }

  /** @internal */
  fail(err: number, syscall: string): void {
    if (this.destroyed) return;
    const e = uvError(err, syscall);
    for (const fn of this.errors) fn.call(this, e);
    this.destroy();
  }
}

function toBytes(c: string | Uint8Array): Uint8Array {
  return typeof c === 'string' ? Buffer.from(c) : c;
}

function onRead(this: Handle, ab: ArrayBuffer | undefined): void {
  const conn = this.owner;
  if (!conn) return;
  const b = conn.b;
  const n = b.state[b.kReadBytesOrError]!;
  if (n > 0) {
    if (ab) conn.received(Buffer.from(ab, b.state[b.kArrayBufferOffset]!, n));
  } else if (n === UV_EOF) conn.peerEnded();
  else if (n < 0) conn.fail(n, 'read');
}

function afterShutdown(this: Req): void {
  this.conn?.shutDown();
}

export interface RawServer {
  /** Bound address and port. */
  address: { address: string; port: number };
  close(cb: () => void): void;
}

/**
 * Listens on host:port (undefined host: every address, IPv6 and IPv4, as node:net does) and hands
 * each accepted connection to `onConn`; beyond `maxConnections` open at once a new one is closed.
 * Rejects with an errno-style error (code EADDRINUSE, EACCES...) when it cannot bind.
 */
export function listenRaw(
  b: Bindings,
  host: string | undefined,
  port: number,
  maxConnections: number,
  onConn: (conn: RawConn) => void,
  onListenerError: (err: unknown) => void,
  commit: CommitGroup | null = null,
): RawServer {
  let server = new b.TCP(b.SERVER);
  let err: number;
  if (host === undefined) {
    err = server.bind6('::', port, 0);
    if (err) {
      // no IPv6 on this host: IPv4 only on a fresh handle, as node:net falls back (a port in use
      // is not this case: libuv reports it at listen())
      server.close();
      server = new b.TCP(b.SERVER);
      err = server.bind('0.0.0.0', port);
    }
  } else err = isIPv6(host) ? server.bind6(host, port, 0) : server.bind(host, port);
  if (!err) err = server.listen(511);
  if (err) {
    server.close();
    throw uvError(err, 'listen');
  }
  let open = 0;
  const closed = () => {
    open--;
  };
  server.onconnection = (status, client) => {
    if (status || !client) return;
    if (open >= maxConnections) {
      client.close();
      return;
    }
    open++;
    client.setNoDelay(true);
    const conn = new RawConn(b, client, onListenerError, commit);
    conn.on('close', closed);
    // a record logged at accept (a banner's) holds the banner like a reply
    const prev = commit ? commit.enter(conn) : null;
    try {
      onConn(conn);
    } finally {
      commit?.leave(prev);
    }
  };
  const out: Record<string, unknown> = {};
  server.getsockname(out);
  return {
    address: { address: String(out.address), port: Number(out.port) },
    close: (cb) => server.close(cb),
  };
}
