/**
 * Decisions (ban / deceive / reflect) and their delivery, as one fastify plugin plus the
 * service other parts use. One DecisionService per server context: `decisionsFor(ctx)`
 * returns it (the rule engine calls `create`), the plugin starts it (loads the live set,
 * expiry and change-poll timers) and serves the REST API, the CrowdSec bouncer API and the
 * push stream.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { storeUrl } from '../run.ts';
import { crowdsecRoutes } from './crowdsec-routes.ts';
import { openDecisionDb } from './db.ts';
import { decisionRoutes } from './routes.ts';
import { DecisionService, type DecisionServiceOptions } from './service.ts';
import { type StreamOptions, streamRoute } from './sse.ts';

export { goDuration, parseDuration } from '@kyoka/core';
export type { DecisionRow, DecisionType, Origin } from './db.ts';
export { DECISION_TYPES, ORIGINS, openDecisionDb } from './db.ts';
export { parseValue, tryParseValue, Whitelist } from './ip.ts';
export type { Change, CreateInput, Listener } from './service.ts';
export { DecisionService } from './service.ts';
export { crowdsecView, decisionView } from './view.ts';

const services = new WeakMap<ServerContext, DecisionService>();

/** The context's decision service (created on first use; closed with the app). */
export function decisionsFor(ctx: ServerContext, opts: Omit<DecisionServiceOptions, 'db'> = {}): DecisionService {
  let svc = services.get(ctx);
  if (!svc) {
    svc = new DecisionService({ ...opts, db: openDecisionDb(storeUrl(ctx.config)).db });
    services.set(ctx, svc);
  }
  return svc;
}

export async function decisionsPlugin(
  app: FastifyInstance,
  ctx: ServerContext,
  opts: { stream?: StreamOptions } = {},
): Promise<void> {
  const svc = decisionsFor(ctx);
  await svc.start();
  decisionRoutes(app, svc);
  crowdsecRoutes(app, ctx, svc);
  streamRoute(app, svc, opts.stream);
  app.addHook('onClose', async () => {
    svc.stop();
    services.delete(ctx);
    await svc.store.db.destroy();
  });
}
