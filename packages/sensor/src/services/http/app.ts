/**
 * The HTTP honeypot application shared by the http and https services: OpenCanary's routes
 * (`/` -> 302 /index.html, the skin's login page, its static tree with 403 for directories
 * and 404 for the rest, 405 for the unimplemented methods, raw 405/400 for unknown verbs and
 * unparsable requests) answered with Apache 2.4's headers and error documents. node:http does
 * the parsing (bounded headers, a header timeout); routing and replies are hand-written because
 * no maintained library plays the server side of a honeypot.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Holder } from '../../log/commit.ts';
import type { ConnMeta, ServiceContext } from '../../service/types.ts';
import { loginFields } from './form.ts';
import { connectionHeaders, DETAIL, ERROR_TYPE, errorPage, httpDate, RAW_400, RAW_405, serverAt } from './pages.ts';
import type { Skin } from './skin.ts';

export interface WebAppOptions {
  service: string;
  scheme: 'http' | 'https';
  skin: Skin;
  banner: string;
  logUnimplemented: boolean;
  logRedirect: boolean;
  /** Largest request body accepted (bytes); more is answered 413 and the connection closed. */
  maxBody: number;
  /** ConnMeta of the socket a request arrived on (the listener's, PROXY protocol applied). */
  metaOf(socket: object): ConnMeta | null;
  localPort(): number;
}

const ALLOWED = new Set(['GET', 'POST', 'DELETE', 'PATCH', 'PUT', 'CONNECT', 'TRACE', 'HEAD']);
const LOGIN_TYPE = 'text/html; charset=UTF-8';
const NOT_SUPPLIED = '<not supplied>';

/** Twisted's getRequestHostname: the Host header without its port, else the local address. */
function hostname(req: IncomingMessage): string {
  const h = req.headers.host;
  if (!h) return req.socket.localAddress?.replace(/^::ffff:/, '') ?? '';
  if (h.startsWith('[')) return `${h.split(']', 1)[0]}]`;
  return h.split(':', 1)[0] ?? '';
}

function splitUrl(url: string): { path: string; query: string } {
  let u = url;
  // absolute-form (a request meant for a proxy): keep only the path
  const abs = /^https?:\/\/[^/?#]*/i.exec(u);
  if (abs) u = u.slice(abs[0].length) || '/';
  const q = u.indexOf('?');
  return q >= 0 ? { path: u.slice(0, q), query: u.slice(q + 1) } : { path: u, query: '' };
}

/** How long a socket closed with a raw reply may still trickle in before it is destroyed. */
const LINGER_MS = 2000;

/**
 * Sends `reply` and closes. Like Apache's lingering close: the client gets a moment to read the
 * reply before unread input would turn the close into a reset, and no longer: a slowloris client
 * that keeps sending after its 408 must not hold the connection open.
 */
export function rawClose(socket: Duplex, reply: Buffer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(reply);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * Group commit (../../log/commit.ts) for node:http, which writes through a net.Socket the sensor
 * cannot hold: a record logged while a request is handled is written with the others of that
 * event-loop turn, and the request's response is queued here until that write is done.
 */
class HeldResponses implements Holder {
  private queued: Array<() => void> | null = null;

  holdOutput(): boolean {
    if (!this.queued) this.queued = [];
    return true;
  }

  releaseOutput(): void {
    const q = this.queued;
    this.queued = null;
    if (q) for (const fn of q) fn();
  }

  /** Runs `fn` now, or after the group's write when this request's record waits for it. */
  run(fn: () => void): void {
    if (this.queued) this.queued.push(fn);
    else fn();
  }
}

export function createWebApp(ctx: ServiceContext, o: WebAppOptions) {
  const { skin, banner, service } = o;
  /** The request being handled, while its handler runs synchronously. */
  let held: HeldResponses | null = null;

  function scoped(fn: () => void): void {
    const commit = ctx.commit;
    if (!commit) {
      fn();
      return;
    }
    const h = new HeldResponses();
    const prevHeld = held;
    const prev = commit.enter(h);
    held = h;
    try {
      fn();
    } finally {
      commit.leave(prev);
      held = prevHeld;
    }
  }

  function send(...a: Parameters<typeof sendNow>): void {
    const h = held;
    if (h) h.run(() => sendNow(...a));
    else sendNow(...a);
  }

  function sendNow(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: string,
    pre: string[],
    body: Buffer,
    type: string | null,
    post: string[] = [],
    close = false,
  ): void {
    const h = ['Date', httpDate(), 'Server', banner, ...pre, 'Content-Length', String(body.length), ...post];
    h.push(...connectionHeaders(req, close));
    if (type) h.push('Content-Type', type);
    res.sendDate = false;
    try {
      res.writeHead(status, reason, h);
    } catch {
      ctx.count(service, 'bad_header');
      req.socket.destroy();
      return;
    }
    res.end(body);
  }

  function sendError(req: IncomingMessage, res: ServerResponse, status: number, reason: string, detail: string) {
    const at = serverAt(req, o.localPort());
    const extra = status === 405 ? ['Allow', 'GET,POST,OPTIONS,HEAD'] : [];
    send(req, res, status, reason, extra, errorPage(status, detail, banner, at.host, at.port), ERROR_TYPE);
  }

  function record(req: IncomingMessage, logtype: number, data: Record<string, unknown>): void {
    ctx.log(o.metaOf(req.socket), logtype, data);
  }

  function base(req: IncomingMessage, path: string, withSkin: boolean): Record<string, unknown> {
    const d: Record<string, unknown> = {};
    if (withSkin) d.SKIN = skin.name;
    d.HOSTNAME = hostname(req);
    d.PATH = path;
    d.USERAGENT = req.headers['user-agent'] || NOT_SUPPLIED;
    return d;
  }

  function readBody(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > o.maxBody) {
        over = true;
        tooLarge(req, res);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) scoped(() => done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    });
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse): void {
    ctx.count(service, 'oversize');
    const at = serverAt(req, o.localPort());
    const page = errorPage(413, DETAIL.tooLarge(req.method ?? ''), banner, at.host, at.port);
    send(req, res, 413, 'Request Entity Too Large', [], page, ERROR_TYPE, [], true);
    res.once('finish', () => req.socket.destroy());
  }

  function login(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    const method = req.method ?? '';
    if (method === 'GET') {
      record(req, 3000, base(req, path, true));
      send(req, res, 200, 'OK', [], skin.login, LOGIN_TYPE);
    } else if (method === 'POST') {
      readBody(req, res, (body) => {
        const f = loginFields(query, req.headers['content-type'], body);
        const d: Record<string, unknown> = {
          USERNAME: f.username ?? NOT_SUPPLIED,
          PASSWORD: f.password ?? NOT_SUPPLIED,
          ...base(req, path, true),
        };
        record(req, 3001, d);
        send(req, res, 200, 'OK', [], skin.failed, LOGIN_TYPE);
      });
    } else {
      if (o.logUnimplemented) record(req, 3002, { ...base(req, path, true), REQUEST_TYPE: method });
      send(req, res, 405, 'Method Not Allowed', [], Buffer.alloc(0), LOGIN_TYPE);
    }
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string, decoded: string): void {
    const method = req.method ?? '';
    const trailing = decoded.endsWith('/');
    const key = trailing ? decoded.slice(0, -1) : decoded;
    const file = trailing ? undefined : skin.files.get(key);
    if (file) {
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
        sendError(req, res, 405, 'Method Not Allowed', DETAIL.method(method));
        return;
      }
      const validators = ['Last-Modified', file.lastModified, 'ETag', file.etag];
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if ((inm && inm === file.etag) || (!inm && ims === file.lastModified)) {
        res.sendDate = false;
        res.writeHead(304, 'Not Modified', ['Date', httpDate(), 'Server', banner, 'ETag', file.etag]);
        res.end();
        return;
      }
      const vary = file.type.startsWith('text/') || file.type.endsWith('+xml') ? ['Vary', 'Accept-Encoding'] : [];
      send(req, res, 200, 'OK', [...validators, 'Accept-Ranges', 'bytes'], file.body, file.type, vary);
      return;
    }
    if (skin.dirs.has(key)) {
      if (trailing) sendError(req, res, 403, 'Forbidden', DETAIL.forbidden);
      else {
        const host = req.headers.host ?? `${req.socket.localAddress ?? ''}`;
        const loc = `${o.scheme}://${host}${rawPath}/`;
        const at = serverAt(req, o.localPort());
        const page = errorPage(301, DETAIL.moved(loc), banner, at.host, at.port);
        send(req, res, 301, 'Moved Permanently', ['Location', loc], page, ERROR_TYPE);
      }
      return;
    }
    sendError(req, res, 404, 'Not Found', DETAIL.notFound);
  }

  /** node:http 'request' handler. */
  function handle(req: IncomingMessage, res: ServerResponse): void {
    scoped(() => route(req, res));
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? '';
    if (!ALLOWED.has(method)) {
      rawClose(req.socket, RAW_405);
      return;
    }
    const len = Number(req.headers['content-length'] ?? 0);
    if (len > o.maxBody) {
      tooLarge(req, res);
      return;
    }
    const { path, query } = splitUrl(req.url ?? '/');
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      ctx.count(service, 'bad_request');
      rawClose(req.socket, RAW_400);
      return;
    }
    if (decoded.includes('\0') || !decoded.startsWith('/')) {
      sendError(req, res, 404, 'Not Found', DETAIL.notFound);
      return;
    }
    const norm = posix.normalize(decoded);
    if (norm === '/') {
      if (o.logRedirect) record(req, 3003, base(req, path, false));
      const page = errorPage(302, DETAIL.moved('/index.html'), banner, ...at(req));
      send(req, res, 302, 'Found', ['Location', '/index.html'], page, ERROR_TYPE);
    } else if (norm === '/index.html') login(req, res, path, query);
    else serveStatic(req, res, path, norm);
  }

  function at(req: IncomingMessage): [string, number] {
    const a = serverAt(req, o.localPort());
    return [a.host, a.port];
  }

  /** node:http 'connect' handler: CONNECT never tunnels; on the login page it is one of the 405s. */
  function connect(req: IncomingMessage, socket: Duplex): void {
    const { path } = splitUrl(req.url ?? '');
    let body: Buffer = Buffer.alloc(0);
    let type = LOGIN_TYPE;
    if (path === '/index.html') {
      if (o.logUnimplemented) record(req, 3002, { ...base(req, path, true), REQUEST_TYPE: 'CONNECT' });
    } else {
      body = errorPage(405, DETAIL.method('CONNECT'), banner, ...at(req));
      type = ERROR_TYPE;
    }
    const head =
      `HTTP/1.1 405 Method Not Allowed\r\nDate: ${httpDate()}\r\nServer: ${banner}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\nContent-Type: ${type}\r\n\r\n`;
    socket.on('error', () => ctx.count(service, 'socket_error'));
    rawClose(socket, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }

  /** node:http 'clientError': unknown verb -> raw 405, anything else unparsable -> raw 400. */
  function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      ctx.count(service, 'header_timeout');
      rawClose(socket, Buffer.from('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'));
      return;
    }
    ctx.count(service, 'bad_request');
    rawClose(socket, err.code === 'HPE_INVALID_METHOD' ? RAW_405 : RAW_400);
  }

  return { handle, connect, clientError };
}
