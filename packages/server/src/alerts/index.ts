/**
 * Alerts and notifications as one capability: `createAlertService` (the API the rule engine
 * feeds: raise / list / get / setStatus / subscribe) and `alertsPlugin`, which opens the
 * alert tables, serves /api/v1/alerts and /api/v1/notifications, and closes everything with
 * the app. Pass `service` to share one instance with the detection pipeline.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { storeUrl } from '../run.ts';
import { openAlertDb } from './db.ts';
import { alertRoutes } from './routes.ts';
import { AlertService } from './service.ts';

export { openAlertDb } from './db.ts';
export type { Channel, ChannelInput } from './notify/channels.ts';
export { AlertService, type AlertServiceOptions, createAlertService } from './service.ts';
export * from './types.ts';

/** Opens the alert tables of the configured store and builds the service (channels loaded). */
export async function openAlertService(
  ctx: ServerContext,
  opts: { groupWindowMs?: number; consoleUrl?: string; onError?: (err: unknown, what: string) => void } = {},
): Promise<{ service: AlertService; close(): Promise<void> }> {
  const db = openAlertDb(storeUrl(ctx.config));
  const service = new AlertService({ db, loadEvent: (id) => ctx.events.get(id), ...opts });
  await service.start();
  return {
    service,
    async close() {
      service.close();
      await db.destroy();
    },
  };
}

export async function alertsPlugin(
  app: FastifyInstance,
  ctx: ServerContext,
  opts: { service?: AlertService } = {},
): Promise<void> {
  let service = opts.service;
  if (!service) {
    const own = await openAlertService(ctx, { onError: (err, what) => app.log.error({ err }, `${what} failed`) });
    service = own.service;
    app.addHook('onClose', own.close);
  }
  await alertRoutes(app, ctx, service);
}
