/**
 * OpenCanary's httpproxy service: an authenticating web proxy that answers every request,
 * CONNECT included, with 407 in a Squid (default) or MS ISA personality (httpproxy.skin), and
 * logs 7001 {USERNAME, PASSWORD} for each Proxy-Authorization it receives. Unlike OpenCanary
 * (whose py3 code loses them) the Basic credentials are decoded properly: the password is all
 * after the first ':', invalid base64 and other schemes are recorded as an invalid token.
 * node:http parses; the replies are hand-written, no library plays a honeypot proxy.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KyokaError } from '@kyoka/core';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, ServiceFactory, ServicePort } from '../../service/types.ts';
import { httpDate, RAW_400 } from '../http/pages.ts';
import { PROFILES, type ProxyProfile, proxyReply } from './pages.ts';

export const INVALID_TOKEN = 'Invalid auth-token submitted';

/** USERNAME/PASSWORD from a Proxy-Authorization value. */
export function decodeProxyAuth(value: string): { USERNAME: string; PASSWORD: string } {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(value);
  if (m?.[1]?.toLowerCase() !== 'basic') return { USERNAME: INVALID_TOKEN, PASSWORD: '' };
  const token = m[2] ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 === 1) return { USERNAME: INVALID_TOKEN, PASSWORD: '' };
  const raw = Buffer.from(token, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    text = raw.toString('latin1');
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { USERNAME: text, PASSWORD: '' };
  return { USERNAME: text.slice(0, colon), PASSWORD: text.slice(colon + 1) };
}

export const factory: ServiceFactory = (ctx) => {
  const c = ctx.conf;
  const ports: ServicePort[] = [{ port: c.get<number>('httpproxy.port', 8080), transport: 'tcp' }];
  const skin = c.get<string>('httpproxy.skin', 'squid') as ProxyProfile;
  const realm = c.get<string>('httpproxy.banner', '') || 'Squid proxy-caching web server';
  const host = c.get<string>('httpproxy.hostname', 'localhost');
  const squidVersion = c.get<string>('httpproxy.squid_version', '5.7');
  const metas = new WeakMap<object, ConnMeta>();
  let listener: TcpListener | null = null;

  function reply(req: IncomingMessage) {
    const auth = req.headers['proxy-authorization'];
    if (auth !== undefined) ctx.log(metas.get(req.socket) ?? null, 7001, decodeProxyAuth(auth));
    return proxyReply(skin, {
      url: req.url ?? '',
      date: httpDate(),
      realm,
      host,
      port: listener?.port ?? (ports[0] as ServicePort).port,
      squidVersion,
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const r = reply(req);
    const pc = req.headers['proxy-connection'];
    const keep = !/close/i.test(String(pc ?? req.headers.connection ?? ''));
    res.sendDate = false;
    res.writeHead(407, r.reason, [...r.headers, 'Connection', keep ? 'keep-alive' : 'close']);
    res.end(r.body);
  }

  function onConnect(req: IncomingMessage, socket: Duplex): void {
    socket.on('error', () => ctx.count('httpproxy', 'socket_error'));
    const r = reply(req);
    let head = `HTTP/1.1 407 ${r.reason}\r\n`;
    for (let i = 0; i < r.headers.length; i += 2) head += `${r.headers[i]}: ${r.headers[i + 1]}\r\n`;
    head += 'Connection: close\r\n\r\n';
    if (socket.writable) socket.end(Buffer.concat([Buffer.from(head, 'latin1'), r.body]));
    else socket.destroy();
  }

  return {
    name: 'httpproxy',
    ports,
    async start() {
      if (!PROFILES.includes(skin)) {
        throw new KyokaError('KYOKA_E_BAD_CONFIG', `httpproxy.skin: unknown profile "${skin}" (squid, ms-isa)`);
      }
      const srv = createServer({
        maxHeaderSize: 16 * 1024,
        headersTimeout: c.get<number>('kyoka.http_header_timeout_ms', 10_000),
        requestTimeout: c.get<number>('kyoka.http_request_timeout_ms', 30_000),
        connectionsCheckingInterval: 1_000,
      });
      srv.on('request', onRequest);
      srv.on('connect', onConnect);
      srv.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
        if (err.code !== 'ECONNRESET') ctx.count('httpproxy', 'bad_request');
        if (socket.writable && err.code !== 'ECONNRESET') socket.end(RAW_400);
        else socket.destroy();
      });
      srv.emit('listening');
      listener = await listenTcp(ctx, {
        service: 'httpproxy',
        port: (ports[0] as ServicePort).port,
        onConnection(socket: Socket, meta: ConnMeta) {
          metas.set(socket, meta);
          srv.emit('connection', socket);
        },
      });
      const l = listener;
      ports[0] = { port: l.port, transport: 'tcp' };
      const close = l.close;
      l.close = async () => {
        srv.closeAllConnections();
        srv.close();
        await close();
      };
    },
    async stop() {
      await listener?.close();
      listener = null;
    },
  };
};
