/**
 * Management of host agents and WAF nodes as one fastify plugin: opens the agent tables on the
 * shared feature connection and serves the API (routes.ts), including the decision report
 * endpoint agents and WAF nodes call. Online/offline is computed on read, so no timer runs.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { storeUrl } from '../run.ts';
import { openAgentDb } from './db.ts';
import { agentRoutes } from './routes.ts';
import { AgentService } from './service.ts';

export type { AgentKind } from './db.ts';
export { AGENTS_MIGRATION } from './migration.ts';
export { AgentService, type AgentView } from './service.ts';
export { AgentStatus, cleanStatus } from './status.ts';

export async function agentsPlugin(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const db = openAgentDb(storeUrl(ctx.config));
  const svc = new AgentService(db, ctx);
  await agentRoutes(app, ctx, svc);
  app.addHook('onClose', async () => {
    await db.destroy();
  });
}
