/**
 * Forwarding one request to a backend (real or sandbox) over keep-alive agents, streaming both
 * bodies. The original Host is sent to both backends (the sandbox clone must look identical);
 * hop-by-hop headers are dropped; X-Forwarded-For/Proto/Host are added. Body cap → 413,
 * backend down → 502, backend silent → 504, all counted by the caller through `onUpstreamError`.
 */
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import { sendPage } from './pages.ts';
import type { BodyCapture } from './sandbox-log.ts';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

export interface Upstream {
  url: URL;
  request: typeof http.request;
  agent: http.Agent;
  host: string;
  port: number;
}

export function createUpstream(target: string): Upstream {
  const url = new URL(target);
  const tls = url.protocol === 'https:';
  const opts = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' as const };
  return {
    url,
    request: tls ? https.request : http.request,
    agent: tls ? new https.Agent(opts) : new http.Agent(opts),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (tls ? 443 : 80),
  };
}

function stripHopByHop(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...h };
  const conn = h.connection;
  if (conn) for (const name of conn.toLowerCase().split(',')) delete out[name.trim()];
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
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
  onBytes(inBytes: number, outBytes: number): void;
  onUpstreamError(): void;
  onTooLarge(): void;
  /** Called once the exchange is over (response finished or aborted), with the status sent. */
  onDone(status: number, resHeaders: IncomingHttpHeaders): void;
}

export function forward(req: IncomingMessage, res: ServerResponse, o: ForwardOptions): void {
  const headers = stripHopByHop(req.headers);
  const xff = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${o.peer}` : o.peer;
  headers['x-forwarded-proto'] = o.tls ? 'https' : 'http';
  if (req.headers.host && !req.headers['x-forwarded-host']) headers['x-forwarded-host'] = req.headers.host;
  if (o.identity) delete headers['accept-encoding'];

  let done = false;
  let upHeaders: IncomingHttpHeaders = {};
  const finish = (status: number) => {
    if (done) return;
    done = true;
    o.onDone(status, upHeaders);
  };

  const up = o.upstream.request({
    host: o.upstream.host,
    port: o.upstream.port,
    method: req.method,
    path: req.url,
    headers,
    agent: o.upstream.agent,
    timeout: o.timeoutMs,
  });

  up.on('response', (pres) => {
    upHeaders = pres.headers;
    const out = stripHopByHop(pres.headers);
    res.writeHead(pres.statusCode ?? 502, pres.statusMessage, out);
    let outBytes = 0;
    pres.on('data', (c: Buffer) => {
      outBytes += c.length;
      o.resCapture?.push(c);
    });
    pres.on('end', () => o.onBytes(0, outBytes));
    pres.on('error', () => res.destroy());
    pres.pipe(res);
    res.on('finish', () => finish(pres.statusCode ?? 0));
  });
  up.on('timeout', () => up.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
  up.on('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent || done) {
      res.destroy();
      finish(res.statusCode);
      return;
    }
    if (res.writableEnded) return;
    o.onUpstreamError();
    const status = err.code === 'ETIMEDOUT' ? 504 : 502;
    sendPage(res, status, !req.complete);
    finish(status);
  });
  res.on('close', () => {
    if (!res.writableFinished) {
      up.destroy();
      finish(res.statusCode);
    }
  });

  // Request body: what was read for inspection first, then the rest streamed with back-pressure.
  let inBytes = o.prefixBytes;
  for (const c of o.prefix) {
    o.reqCapture?.push(c);
    up.write(c);
  }
  if (o.prefixComplete) {
    o.onBytes(inBytes, 0);
    up.end();
    return;
  }
  req.on('data', (c: Buffer) => {
    inBytes += c.length;
    if (inBytes > o.maxBodyBytes) {
      req.removeAllListeners('data');
      req.pause();
      up.destroy();
      if (!res.headersSent) {
        o.onTooLarge();
        done = true;
        sendPage(res, 413, true);
        o.onDone(413, {});
      } else res.destroy();
      return;
    }
    o.reqCapture?.push(c);
    if (!up.write(c)) req.pause();
  });
  up.on('drain', () => req.resume());
  req.on('end', () => {
    o.onBytes(inBytes, 0);
    up.end();
  });
  req.on('error', () => up.destroy());
  req.resume();
}
