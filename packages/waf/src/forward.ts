/**
 * Forwarding one request to a backend (real or sandbox), streaming both bodies. The original Host
 * is sent to both backends (the sandbox clone must look identical); hop-by-hop headers are
 * dropped; X-Forwarded-For/Proto/Host are added. Body cap → 413, backend down → 502, backend
 * silent → 504, all counted by the caller through `onUpstreamError`.
 *
 * Performance: the upstream side is an undici Pool driven through `dispatch` with a handler that
 * writes straight into the ServerResponse (no ClientRequest / IncomingMessage / pipe per request),
 * headers travel as flat arrays, and a request without a body sends none. On one core this is
 * roughly twice the rate of http.request with a keep-alive Agent (bench/deception/waf.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';
import { sendPage } from './pages.ts';
import type { BodyCapture } from './sandbox-log.ts';

/** Never forwarded (RFC 9110 §7.6.1, plus `expect`: Node answers 100-continue itself). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

export interface Upstream {
  url: URL;
  pool: Pool;
  close(): void;
}

export function createUpstream(target: string): Upstream {
  const url = new URL(target);
  const pool = new Pool(url.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 4000 });
  return {
    url,
    pool,
    close: () => {
      pool.destroy().catch(() => {});
    },
  };
}

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(v: string | undefined): Set<string> | undefined {
  if (!v) return undefined;
  const l = v.length;
  if ((l === 10 || l === 5) && /^(?:keep-alive|close)$/i.test(v)) return undefined; // hop-by-hop anyway
  const s = new Set<string>();
  for (const name of v.toLowerCase().split(',')) s.add(name.trim());
  return s;
}

/** What the caller learns about one exchange (an object with methods: no closures per request). */
export interface ForwardSink {
  bytes(inBytes: number, outBytes: number): void;
  upstreamError(): void;
  tooLarge(): void;
  /** Called once the exchange is over (response finished or aborted), with the status sent. */
  done(status: number, resHeaders: IncomingHttpHeaders): void;
}

export interface ForwardOptions {
  upstream: Upstream;
  /** Socket peer address (canonical), appended to X-Forwarded-For. */
  peer: string;
  tls: boolean;
  /** Body chunks already read (for inspection) and whether they were the whole body. */
  prefix: Buffer[];
  prefixComplete: boolean;
  /** Bytes already read into `prefix`. */
  prefixBytes: number;
  maxBodyBytes: number;
  timeoutMs: number;
  /** Sandbox traffic: ask for identity encoding so the log is readable. */
  identity: boolean;
  reqCapture?: BodyCapture;
  resCapture?: BodyCapture;
  sink: ForwardSink;
}

/**
 * The request headers sent upstream as a flat [name, value, …] list: hop-by-hop ones dropped (but
 * for an upgrade, which keeps `Upgrade` and sends `Connection: Upgrade`), X-Forwarded-* added.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  o: { peer: string; tls: boolean; identity: boolean; upgrade?: boolean },
): string[] {
  const h = req.headers;
  const conn = connectionTokens(h.connection);
  const out: string[] = [];
  for (const name in h) {
    if (o.upgrade && name === 'upgrade') {
      out.push('connection', 'Upgrade', name, String(h[name]));
      continue;
    }
    if (HOP_BY_HOP.has(name) || conn?.has(name)) continue;
    if (name === 'x-forwarded-for' || name === 'x-forwarded-proto') continue;
    if (o.identity && name === 'accept-encoding') continue;
    const v = h[name];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(name, v);
    else for (const x of v) out.push(name, x);
  }
  const xff = h['x-forwarded-for'];
  out.push('x-forwarded-for', xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${o.peer}` : o.peer);
  out.push('x-forwarded-proto', o.tls ? 'https' : 'http');
  if (h.host && !h['x-forwarded-host']) out.push('x-forwarded-host', h.host);
  return out;
}

/** Upstream response headers minus hop-by-hop, as a flat [name, value, …] list for writeHead. */
function responseHeaders(raw: Buffer[]): string[] {
  const flat: string[] = [];
  let conn: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (lower === 'connection') conn = connectionTokens(value);
    if (HOP_BY_HOP.has(lower)) continue;
    flat.push(name, value);
  }
  if (!conn) return flat;
  const f: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    if (!conn.has((flat[i] as string).toLowerCase())) f.push(flat[i] as string, flat[i + 1] as string);
  }
  return f;
}

/** Node's IncomingHttpHeaders shape (set-cookie an array, others joined), for the sandbox log. */
function toHeaderObject(raw: Buffer[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    const prev = out[name];
    if (name === 'set-cookie') out[name] = prev ? [...(prev as string[]), value] : [value];
    else out[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return out as IncomingHttpHeaders;
}

const EXCHANGE = Symbol('kyoka.waf.exchange');
type TaggedResponse = ServerResponse & { [EXCHANGE]?: Exchange };

function onResClose(this: TaggedResponse): void {
  this[EXCHANGE]?.clientClosed();
}
function onResFinish(this: TaggedResponse): void {
  const ex = this[EXCHANGE];
  if (ex) ex.finish(ex.status);
}
function onResDrain(this: TaggedResponse): void {
  this[EXCHANGE]?.resume?.();
}

/** One request/response through the upstream pool; also the undici dispatch handler. */
class Exchange implements Dispatcher.DispatchHandlers {
  private over = false;
  private aborted = false;
  private abortFn: ((err?: Error) => void) | undefined;
  private upHeaders: IncomingHttpHeaders = {};
  private outBytes = 0;
  status = 0;
  resume: (() => void) | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: TaggedResponse,
    private readonly o: ForwardOptions,
  ) {}

  finish(status: number): void {
    if (this.over) return;
    this.over = true;
    this.o.sink.done(status, this.upHeaders);
  }

  /** The request body exceeded the cap while streaming: 413 if we still can, and cut the upstream. */
  tooLarge(): void {
    const res = this.res;
    if (!res.headersSent && !this.over) {
      this.o.sink.tooLarge();
      this.over = true;
      sendPage(res, 413, true);
      this.o.sink.done(413, {});
    } else res.destroy();
    this.abortUpstream();
  }

  abortUpstream(): void {
    this.aborted = true;
    this.abortFn?.(new Error('aborted by the waf'));
  }

  /** The client's request stream failed mid-body. */
  clientError(): void {
    this.abortUpstream();
    this.res.destroy();
    this.finish(this.res.statusCode);
  }

  clientClosed(): void {
    if (!this.res.writableFinished) {
      this.abortUpstream();
      this.finish(this.res.statusCode);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.aborted) abort(new Error('aborted by the waf'));
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    const res = this.res;
    if (this.over || res.destroyed) return false;
    this.resume = resume;
    this.status = status;
    if (this.o.resCapture) this.upHeaders = toHeaderObject(rawHeaders);
    res.writeHead(status, statusText || undefined, responseHeaders(rawHeaders));
    res.once('finish', onResFinish);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.outBytes += chunk.length;
    this.o.resCapture?.push(chunk);
    if (this.res.write(chunk)) return true;
    this.res.once('drain', onResDrain);
    return false;
  }

  onComplete(): void {
    this.o.sink.bytes(0, this.outBytes);
    this.res.end();
  }

  onError(err: Error): void {
    if (this.aborted) return; // we cut it (client gone, body too large): already answered
    const res = this.res;
    if (res.headersSent || this.over) {
      res.destroy();
      this.finish(res.statusCode);
      return;
    }
    if (res.writableEnded) return;
    this.o.sink.upstreamError();
    const code = (err as NodeJS.ErrnoException).code;
    const status = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 504 : 502;
    sendPage(res, status, !this.req.complete);
    this.finish(status);
  }
}

/** Request body still arriving: what was read for inspection, then the rest with back-pressure. */
function streamBody(req: IncomingMessage, ex: Exchange, o: ForwardOptions): Readable {
  let inBytes = o.prefixBytes;
  const stream = new Readable({ read: () => req.resume() });
  for (const c of o.prefix) {
    o.reqCapture?.push(c);
    stream.push(c);
  }
  req.on('data', (c: Buffer) => {
    inBytes += c.length;
    if (inBytes > o.maxBodyBytes) {
      req.removeAllListeners('data');
      req.pause();
      ex.tooLarge();
      stream.destroy();
      return;
    }
    o.reqCapture?.push(c);
    if (!stream.push(c)) req.pause();
  });
  req.on('end', () => {
    o.sink.bytes(inBytes, 0);
    stream.push(null);
  });
  req.on('error', (err) => {
    stream.destroy(err);
    ex.clientError();
  });
  stream.on('error', () => {});
  req.resume();
  return stream;
}

export function forward(req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  const ex = new Exchange(req, res, o);
  let body: Buffer | Readable | null = null;
  if (o.prefixComplete) {
    for (const c of o.prefix) o.reqCapture?.push(c);
    if (o.prefix.length === 1) body = o.prefix[0] as Buffer;
    else if (o.prefix.length > 1) body = Buffer.concat(o.prefix, o.prefixBytes);
    o.sink.bytes(o.prefixBytes, 0);
  } else {
    body = streamBody(req, ex, o);
  }
  (res as TaggedResponse)[EXCHANGE] = ex;
  res.on('close', onResClose);
  o.upstream.pool.dispatch(
    {
      origin: o.upstream.url.origin,
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: req.url ?? '/',
      headers: upstreamHeaders(req, o),
      body,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    },
    ex,
  );
}
