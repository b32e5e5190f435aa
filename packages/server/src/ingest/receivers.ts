/**
 * Log-source HTTP receivers (QRadar's "HTTP Receiver"): a log source owns a port and accepts
 * JSON POSTed to any path, authenticated by one of its named API keys or by source address.
 */
import { readFileSync } from 'node:fs';
import { KyokaError } from '@kyoka/core';
import Fastify, { type FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import { handleIngest, rawBodyParsers } from '../api/events-routes.ts';
import { bearer } from '../auth/plugin.ts';
import type { ReceiverConfig } from '../config/schema.ts';
import type { ServerContext } from '../context.ts';
import { installErrorHandler } from '../http/errors.ts';
import { httpTimeoutOptions, limitConnections } from '../http/limits.ts';
import { listenOrExplain } from './listen.ts';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function parseAllow(list: string[], name: string): Range[] {
  return list.map((a) => {
    try {
      return a.includes('/')
        ? ipaddr.parseCIDR(a)
        : ((p) => [p, p.kind() === 'ipv4' ? 32 : 128] as Range)(ipaddr.parse(a));
    } catch {
      throw new KyokaError('KYOKA_E_BAD_CONFIG', `receivers.${name}.allow: "${a}" is not an IP or CIDR`);
    }
  });
}

function allowed(ranges: Range[], ip: string): boolean {
  if (!ranges.length || !ipaddr.isValid(ip)) return false;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

export async function startReceiver(
  ctx: ServerContext,
  rc: ReceiverConfig,
): Promise<{ port: number; app: FastifyInstance }> {
  if (!rc.keys.length && !rc.allow.length) {
    throw new KyokaError(
      'KYOKA_E_BAD_CONFIG',
      `receivers.${rc.name}: set keys or allow; an open receiver would accept events from anyone`,
    );
  }
  const ranges = parseAllow(rc.allow, rc.name);
  const timeouts = httpTimeoutOptions(ctx.config.http);
  const tls = rc.tls ? { cert: readFileSync(rc.tls.cert), key: readFileSync(rc.tls.key) } : null;
  const app = Fastify({
    logger: false,
    https: tls ? { ...tls, ...timeouts.http } : null,
    ...timeouts,
  }) as unknown as FastifyInstance;
  limitConnections(app.server, ctx.config.http, ctx.metrics, rc.name);
  installErrorHandler(app);
  rawBodyParsers(app, ctx.config.ingest.maxBodyBytes, ctx, rc.name);
  const source = { name: rc.name, type: rc.type, transport: 'http' as const };

  app.route({
    method: ['POST', 'PUT'],
    url: '/*',
    // Authenticated before the body is read: a refused sender never gets up to
    // ingest.maxBodyBytes buffered in memory.
    onRequest: async (req) => {
      const token = bearer(req);
      let ok = false;
      if (token !== undefined) {
        const k = await ctx.keys.verify(token);
        ok = Boolean(
          k && rc.keys.includes(k.name) && (k.role === 'ingest' || k.role === 'sensor' || k.role === 'admin'),
        );
      } else {
        ok = allowed(ranges, req.ip);
      }
      if (!ok) {
        ctx.metrics.rejected.inc({ source: rc.name, reason: 'auth' });
        throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'not an accepted key or source address for this receiver');
      }
    },
    handler: (req, reply) => handleIngest(ctx, source, req, reply),
  });
  await listenOrExplain(`receivers.${rc.name}.port`, rc.port, 'tcp', () =>
    app.listen({ port: rc.port, host: rc.host }),
  );
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : rc.port;
  ctx.ingest.stats.register({ name: rc.name, type: rc.type, transport: rc.tls ? 'https' : 'http', port });
  return { port, app };
}
