/**
 * Central sensor management as one fastify plugin: opens the sensor tables, serves the API
 * (routes.ts) and runs the offline check for as long as the app is open. The check runs
 * every heartbeat interval (at most every 15 s, like the server's maintenance loop), so a
 * sensor is reported offline within one interval of missing its third heartbeat.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { storeUrl } from '../run.ts';
import { openSensorDb } from './db.ts';
import { sensorRoutes } from './routes.ts';
import { SensorService } from './service.ts';

export { SensorService } from './service.ts';

export async function sensorsPlugin(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const db = openSensorDb(storeUrl(ctx.config));
  const svc = new SensorService(db, ctx);
  ctx.sensors = svc;
  await sensorRoutes(app, ctx, svc);

  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await svc.checkOffline();
    } catch (err) {
      app.log.error({ err }, 'sensor offline check failed');
    } finally {
      running = false;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(tick, Math.min(svc.heartbeatMs, 15_000));
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await db.destroy();
  });
}
