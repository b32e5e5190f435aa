/** Builds the HTTP application (API + console) on fastify; listeners are started in run.ts. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { KyokaError } from '@kyoka/core';
import { VERSION } from '@kyoka/core/version';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { agentsPlugin } from './agents/index.ts';
import { alertsPlugin, openAlertService } from './alerts/index.ts';
import { authRoutes } from './api/auth-routes.ts';
import { eventsRoutes } from './api/events-routes.ts';
import { keysRoutes } from './api/keys-routes.ts';
import { searchRoutes } from './api/search-routes.ts';
import { resolvePrincipal } from './auth/plugin.ts';
import type { ServerContext } from './context.ts';
import { decisionsPlugin } from './decisions/index.ts';
import { detectPlugin } from './detect/plugin.ts';
import { installErrorHandler } from './http/errors.ts';
import { httpTimeoutOptions, limitConnections } from './http/limits.ts';
import { sensorsPlugin } from './sensors/index.ts';

export { VERSION };

const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

export async function buildApp(ctx: ServerContext, opts: { consoleDir?: string } = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const timeouts = httpTimeoutOptions(config.http);
  const app = Fastify({
    // Per-request lines would cost more than ingest itself; errors are still logged.
    logger: { level: config.log.level },
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.http.trustProxy,
    bodyLimit: 1024 * 1024,
    // node takes the timeout-check interval from the server options (https ones with TLS)
    https: config.http.tls ? { ...(await tlsOptions(config.http.tls)), ...timeouts.http } : null,
    ...timeouts,
  }) as unknown as FastifyInstance;
  limitConnections(app.server, config.http, ctx.metrics, 'api');
  installErrorHandler(app);
  app.decorateRequest('principal', null);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Kyoka API',
        version: VERSION,
        description: 'Events, search, keys. Authenticate with `Authorization: Bearer kyk_…` or a console session.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/')) req.principal = await resolvePrincipal(req, ctx.meta, ctx.keys);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });

  app.get('/healthz', { schema: { hide: true } }, async () => {
    await ctx.meta.getSetting('health-probe');
    return { status: 'ok', version: VERSION, queue: ctx.ingest.writer.depth };
  });
  // Metrics need a key (any role; Prometheus sends it with `authorization: credentials:`)
  // unless the operator opts out with http.publicMetrics.
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!config.http.publicMetrics && !(await resolvePrincipal(req, ctx.meta, ctx.keys))) {
      throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'metrics need an API key (or http.publicMetrics: true)');
    }
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  await app.register(async (s) => authRoutes(s, ctx));
  await app.register(async (s) => eventsRoutes(s, ctx));
  await app.register(async (s) => searchRoutes(s, ctx));
  await app.register(async (s) => keysRoutes(s, ctx));
  await app.register(async (s) => sensorsPlugin(s, ctx));
  await app.register(async (s) => decisionsPlugin(s, ctx));
  await app.register(async (s) => agentsPlugin(s, ctx));
  // one alert service shared by the alert API and the detection pipeline that raises alerts
  const alerts = await openAlertService(ctx, { onError: (err, what) => app.log.error({ err }, `${what} failed`) });
  app.addHook('onClose', alerts.close);
  await app.register(async (s) => alertsPlugin(s, ctx, { service: alerts.service }));
  await app.register(async (s) => detectPlugin(s, ctx, alerts.service));
  await serveConsole(app, opts.consoleDir ?? CONSOLE_DIR);
  return app;
}

async function tlsOptions(tls: { cert: string; key: string }) {
  const { readFile } = await import('node:fs/promises');
  return { cert: await readFile(tls.cert), key: await readFile(tls.key) };
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

async function serveConsole(app: FastifyInstance, dir: string): Promise<void> {
  if (!existsSync(`${dir}/index.html`)) {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain')
        .send('Kyoka console is not built. Run `npm install` (or `npm run build -w @kyoka/console`) and restart.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    setHeaders: (res) => res.setHeader('content-security-policy', CSP),
  });
  app.get('/*', async (req, reply) => {
    if (req.url.startsWith('/api/')) {
      return reply
        .status(404)
        .send({ error: 'KYOKA_E_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
    }
    reply.header('content-security-policy', CSP);
    return reply.sendFile('index.html');
  });
}
