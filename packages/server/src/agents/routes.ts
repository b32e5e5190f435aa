/**
 * REST API of agent and WAF node management under /api/v1/agents: enrollment tokens (admin),
 * enrollment (the one-time token authenticates; rate-limited per client address like the
 * sensors'), heartbeats (the node's own key, role `agent`), the registry (read: events:read;
 * delete: admin), and POST /api/v1/decisions/report, through which an agent or WAF node turns
 * an attacker it saw into a decision: the decision service applies the whitelist and
 * escalation and announces it on the push stream at once.
 */
import { KyokaError, parseDuration } from '@kyoka/core';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePerm, unauthenticated } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import { decisionsFor } from '../decisions/index.ts';
import { decisionView as decisionViewSchema } from '../decisions/schemas.ts';
import { decisionView } from '../decisions/view.ts';
import * as S from './schemas.ts';
import type { AgentService, EnrollRequest } from './service.ts';
import { createAgentToken } from './tokens.ts';

const tags = ['agents'];
const V1 = '/api/v1/agents';
const DEFAULT_REPORT_DURATION = '4h';

/** onRequest hook: an `agent` API key (not a console session, not another role). */
async function requireAgentKey(req: FastifyRequest): Promise<void> {
  const p = req.principal;
  if (!p) throw unauthenticated(req, 'an agent API key');
  if (p.kind !== 'key' || p.role !== 'agent')
    throw new KyokaError('KYOKA_E_FORBIDDEN', 'only agent and WAF node keys may heartbeat');
}

export async function agentRoutes(app: FastifyInstance, ctx: ServerContext, svc: AgentService): Promise<void> {
  const read = { onRequest: requirePerm('events:read') };
  const admin = { onRequest: requirePerm('keys:manage') };

  app.post(
    `${V1}/tokens`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a one-time enrollment token for an agent or WAF node (shown once)',
        body: S.tokenBody,
        response: { 201: S.tokenReply, ...S.errors },
      },
    },
    async (req, reply) => {
      const b = req.body as Static<typeof S.tokenBody>;
      const t = await createAgentToken(svc.db, {
        kind: b.kind,
        name: b.name?.trim() || null,
        ttlSeconds: b.ttl_seconds,
        createdBy: req.principal?.name ?? 'unknown',
      });
      return reply.status(201).send(t);
    },
  );

  app.post(
    `${V1}/enroll`,
    {
      config: { rateLimit: { max: ctx.config.sensors.enrollPerMinute, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Enroll an agent or WAF node with a one-time token; returns its own API key (role agent)',
        security: [],
        body: S.enrollBody,
        response: { 200: S.enrollReply, ...S.errors },
      },
    },
    async (req) => svc.enroll(req.body as EnrollRequest),
  );

  app.post(
    `${V1}/heartbeat`,
    {
      onRequest: requireAgentKey,
      bodyLimit: 512 * 1024,
      schema: {
        tags,
        summary: 'Agent / WAF node heartbeat with its status (unknown keys are dropped)',
        body: S.heartbeatBody,
        response: { 200: S.heartbeatReply, ...S.errors },
      },
    },
    async (req) => svc.heartbeat(req.principal?.keyId as string, (req.body as { status: unknown }).status),
  );

  app.get(
    V1,
    { ...read, schema: { tags, summary: 'List agents and WAF nodes', response: { 200: S.listReply, ...S.errors } } },
    async () => ({ agents: await svc.list(), heartbeat_seconds: svc.heartbeatSeconds }),
  );

  app.get(
    `${V1}/:id`,
    {
      ...read,
      schema: {
        tags,
        summary: 'One agent or WAF node',
        params: S.idParams,
        response: { 200: S.agentView, ...S.errors },
      },
    },
    async (req) => {
      const a = await svc.get((req.params as { id: string }).id);
      if (!a) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such agent');
      return svc.view(a);
    },
  );

  app.delete(
    `${V1}/:id`,
    { ...admin, schema: { tags, summary: 'Remove an agent or WAF node and revoke its key', params: S.idParams } },
    async (req, reply) => {
      await svc.remove((req.params as { id: string }).id);
      return reply.status(204).send();
    },
  );

  const decisions = decisionsFor(ctx);
  app.post(
    '/api/v1/decisions/report',
    {
      onRequest: requirePerm('decisions:report'),
      schema: {
        tags: ['decisions'],
        summary: 'Report an attacker seen by an agent or WAF node (origin agent:<name> / waf:<name>)',
        body: S.reportBody,
        response: { 200: S.skippedReply, 201: decisionViewSchema, ...S.errors },
      },
    },
    async (req, reply) => {
      const b = req.body as Static<typeof S.reportBody>;
      const p = req.principal;
      const origin = p?.kind === 'key' && p.role === 'agent' ? await svc.originOf(p.keyId as string) : 'manual';
      try {
        const d = await decisions.create({
          value: b.value,
          type: b.type,
          duration_ms: parseDuration(b.duration ?? DEFAULT_REPORT_DURATION),
          origin,
          reason: b.reason ?? `reported by ${origin === 'manual' ? (p?.name ?? 'unknown') : origin}`,
          scenario: b.scenario ?? `kyoka/${origin.split(':')[0]}`,
          escalate: true,
        });
        return reply.status(201).send(decisionView(d));
      } catch (err) {
        if (err instanceof KyokaError && (err.details as { whitelisted?: unknown } | undefined)?.whitelisted)
          return reply.status(200).send({ skipped: 'whitelisted' as const });
        throw err;
      }
    },
  );
}
