/**
 * OpenCanary's http service (and, through createWebService, https): a Synology-like or plain
 * login page that logs every visit (3000), login attempt (3001), unimplemented method (3002)
 * and root redirect (3003), served with an Apache 2.4 personality. node:http parses requests
 * arriving from the shared TCP listener (`server.emit('connection')`), so per-source limits,
 * idle timeouts and PROXY protocol stay in one place; one server-wide timer enforces the
 * header timeout against slowloris.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { listenTcp, type TcpListener } from '../../net/tcp.ts';
import type { ConnMeta, HoneypotService, ServiceContext, ServiceFactory, ServicePort } from '../../service/types.ts';
import { createWebApp } from './app.ts';
import { loadSkin } from './skin.ts';

export const DEFAULT_BANNER = 'Apache/2.4.62 (Debian)';

export interface WebServiceOptions {
  name: 'http' | 'https';
  defaultPort: number;
  /** Builds the TLS context before listening (https only). */
  tls?: () => Promise<SecureContext>;
}

export function createWebService(ctx: ServiceContext, o: WebServiceOptions): HoneypotService {
  const { name } = o;
  const c = ctx.conf;
  const ports: ServicePort[] = [{ port: c.get<number>(`${name}.port`, o.defaultPort), transport: 'tcp' }];
  let listener: TcpListener | null = null;
  let server: Server | null = null;
  const metas = new WeakMap<object, ConnMeta>();

  async function start(): Promise<void> {
    const skin = loadSkin(
      c.get<string>(`${name}.skin`, c.get<string>('http.skin', 'nasLogin')),
      c.get<string>(`${name}.skindir`, '') || undefined,
    );
    const secure = o.tls ? await o.tls() : null;
    const app = createWebApp(ctx, {
      service: name,
      scheme: name,
      skin,
      // OpenCanary's https reads http.banner too
      banner: c.get<string>('http.banner', DEFAULT_BANNER),
      logUnimplemented: c.get<boolean>(
        `${name}.log_unimplemented_method_requests`,
        c.get<boolean>('http.log_unimplemented_method_requests', false),
      ),
      logRedirect: c.get<boolean>(`${name}.log_redirect_request`, c.get<boolean>('http.log_redirect_request', false)),
      maxBody: c.get<number>('kyoka.http_max_body', 64 * 1024),
      metaOf: (s) => metas.get(s) ?? null,
      localPort: () => listener?.port ?? (ports[0] as ServicePort).port,
    });
    const srv = createServer({
      maxHeaderSize: 16 * 1024,
      headersTimeout: c.get<number>('kyoka.http_header_timeout_ms', 10_000),
      requestTimeout: c.get<number>('kyoka.http_request_timeout_ms', 30_000),
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
    srv.on('request', app.handle);
    srv.on('connect', app.connect);
    srv.on('clientError', app.clientError);
    // A server that never listen()s must be told to start its single slowloris-checking timer.
    srv.emit('listening');
    server = srv;

    listener = await listenTcp(ctx, {
      service: name,
      port: (ports[0] as ServicePort).port,
      onConnection(socket: Socket, meta: ConnMeta) {
        if (!secure) {
          metas.set(socket, meta);
          srv.emit('connection', socket);
          return;
        }
        const t = new TLSSocket(socket, { isServer: true, secureContext: secure });
        t.on('error', () => {
          ctx.count(name, 'tls_error');
          t.destroy();
        });
        metas.set(t, meta);
        srv.emit('connection', t);
      },
    });
    ports[0] = { port: listener.port, transport: 'tcp' };
  }

  return {
    name,
    ports,
    start,
    async stop() {
      server?.closeAllConnections();
      server?.close();
      await listener?.close();
      listener = null;
      server = null;
    },
  };
}

export const factory: ServiceFactory = (ctx) => createWebService(ctx, { name: 'http', defaultPort: 80 });
