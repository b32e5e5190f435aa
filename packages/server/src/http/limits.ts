/**
 * Connection-level limits shared by the API listener and every log-source receiver: a time
 * limit for receiving a whole request, caps on open connections (total and per client
 * address), and a shutdown that cannot be held open by a client.
 *
 * Why: fastify turns node's requestTimeout off by default, so a body trickled at 1 byte/s kept
 * its socket forever; without a connection cap a couple of clients could hold every file
 * descriptor; and close() waits for every open request, so one such client kept a stopping
 * process (and its SQLite handle) alive for minutes after the listener was gone.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { KyokaConfig } from '../config/schema.ts';
import type { Metrics } from '../metrics/index.ts';

type HttpLimits = Pick<
  KyokaConfig['http'],
  'requestTimeoutSec' | 'maxConnections' | 'maxConnectionsPerSource' | 'shutdownTimeoutSec'
>;

/**
 * Fastify options for the limits. The node server options go to its constructor: node ignores
 * a requestTimeout below headersTimeout (60 s by default), and only checks timeouts every
 * connectionsCheckingInterval (30 s by default, i.e. up to 90 s for a 60 s limit); checking
 * every few seconds is cheap next to the cap on connections it walks.
 */
export function httpTimeoutOptions(limits: HttpLimits): {
  requestTimeout: number;
  http: { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };
} {
  const requestTimeout = limits.requestTimeoutSec * 1000;
  return {
    requestTimeout,
    http: {
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(requestTimeout / 4))),
    },
  };
}

/**
 * Caps open connections on a listener. The total cap is node's own (sockets past it are
 * destroyed on accept); the per-address cap is counted here by the TCP peer (not
 * X-Forwarded-For: headers are not read yet, and a proxy's own address is what holds sockets).
 * Both refusals are counted in kyoka_http_connections_refused_total.
 */
export function limitConnections(server: Server, limits: HttpLimits, metrics: Metrics, listener: string): void {
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => metrics.connectionsRefused.inc({ listener, reason: 'max_connections' }));
  const perIp = limits.maxConnectionsPerSource;
  if (!perIp) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (n > perIp) {
      metrics.connectionsRefused.inc({ listener, reason: 'per_source' });
      socket.destroy();
      return;
    }
    open.set(ip, n);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}

/**
 * Closes an app (stop listening, finish running requests, run onClose hooks) but gives open
 * requests at most `graceMs`: then every remaining socket is destroyed so close() can finish.
 * Resolves in bounded time even if an onClose hook hangs, so the store can still be closed.
 */
export async function closeWithDeadline(app: FastifyInstance, graceMs: number): Promise<void> {
  const closing = app.close().then(
    () => true,
    () => true,
  );
  if (await within(closing, graceMs)) return;
  app.server.closeAllConnections();
  await within(closing, 2000);
}

async function within(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
