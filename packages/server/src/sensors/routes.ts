/**
 * REST API of sensor management under /api/v1/sensors: enrollment tokens and the registry
 * (admin writes, analyst/read-only reads), enrollment (the one-time token authenticates,
 * rate-limited per client address), heartbeats (the sensor's own key, role `sensor`),
 * service templates and bulk assignment.
 */
import { KyokaError } from '@kyoka/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requirePerm, unauthenticated } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import * as S from './schemas.ts';
import type { EnrollRequest, HeartbeatRequest, SensorService } from './service.ts';
import { createEnrollToken } from './tokens.ts';
import { assertValidConf, type FlatConf } from './validate.ts';

const tags = ['sensors'];
const V1 = '/api/v1/sensors';

/** onRequest hook: a `sensor` API key (not a console session, not another role). */
async function requireSensorKey(req: FastifyRequest): Promise<void> {
  const p = req.principal;
  if (!p) throw unauthenticated(req, 'a sensor API key');
  if (p.kind !== 'key' || p.role !== 'sensor')
    throw new KyokaError('KYOKA_E_FORBIDDEN', 'only sensor keys may heartbeat');
}

interface TemplateBody {
  name: string;
  description?: string;
  conf: FlatConf;
}

export async function sensorRoutes(app: FastifyInstance, ctx: ServerContext, svc: SensorService): Promise<void> {
  const read = { onRequest: requirePerm('events:read') };
  const admin = { onRequest: requirePerm('keys:manage') };
  const reg = svc.registry;

  app.post(
    `${V1}/tokens`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a one-time enrollment token (shown once)',
        body: S.tokenBody,
        response: { 201: S.tokenReply, ...S.errors },
      },
    },
    async (req, reply) => {
      const b = (req.body ?? {}) as { name?: string; ttl_seconds?: number };
      const t = await createEnrollToken(svc.db, {
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
        summary: 'Enroll a sensor with a one-time token; returns its own API key',
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
      onRequest: requireSensorKey,
      schema: {
        tags,
        summary: 'Sensor heartbeat; carries the assigned template conf when it changed',
        body: S.heartbeatBody,
        response: { 200: S.heartbeatReply, ...S.errors },
      },
    },
    async (req) => svc.heartbeat(req.principal?.keyId as string, req.body as HeartbeatRequest),
  );

  app.get(
    V1,
    {
      ...read,
      schema: {
        tags,
        summary: 'List enrolled sensors',
        response: {
          200: {
            type: 'object',
            properties: {
              sensors: { type: 'array', items: S.sensorView },
              heartbeat_seconds: { type: 'integer' },
            },
          },
          ...S.errors,
        },
      },
    },
    async () => ({ sensors: await reg.listSensors(), heartbeat_seconds: ctx.config.sensors.heartbeatSec }),
  );

  app.delete(
    `${V1}/:id`,
    { ...admin, schema: { tags, summary: 'Remove a sensor and revoke its key', params: S.idParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const s = await reg.getSensor(id);
      if (!s) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such sensor');
      await ctx.meta.revokeApiKey(s.key_id);
      ctx.keys.forget();
      await reg.deleteSensor(id);
      return reply.status(204).send();
    },
  );

  app.post(
    `${V1}/assign`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Assign a template (or null for none) to sensors; applied on their next heartbeat',
        body: S.assignBody,
        response: { 200: { type: 'object', properties: { updated: { type: 'integer' } } }, ...S.errors },
      },
    },
    async (req) => {
      const { template_id, sensor_ids } = req.body as { template_id: string | null; sensor_ids: string[] };
      if (template_id !== null && !(await reg.getTemplate(template_id)))
        throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such template');
      return { updated: await reg.assign(template_id, [...new Set(sensor_ids)]) };
    },
  );

  app.get(
    `${V1}/templates`,
    {
      ...read,
      schema: {
        tags,
        summary: 'List service templates',
        response: {
          200: { type: 'object', properties: { templates: { type: 'array', items: S.templateView } } },
          ...S.errors,
        },
      },
    },
    async () => ({ templates: await reg.listTemplates() }),
  );

  const clean = (b: TemplateBody) => ({
    name: b.name.trim(),
    description: (b.description ?? '').trim(),
    conf: assertValidConf(b.conf),
  });
  app.post(
    `${V1}/templates`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a template',
        body: S.templateBody,
        response: { 201: S.templateView, ...S.errors },
      },
    },
    async (req, reply) => reply.status(201).send(await reg.createTemplate(clean(req.body as TemplateBody))),
  );
  app.put(
    `${V1}/templates/:id`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Replace a template; sensors using it get the new conf on their next heartbeat',
        params: S.idParams,
        body: S.templateBody,
        response: { 200: S.templateView, ...S.errors },
      },
    },
    async (req) => reg.updateTemplate((req.params as { id: string }).id, clean(req.body as TemplateBody)),
  );
  app.delete(
    `${V1}/templates/:id`,
    { ...admin, schema: { tags, summary: 'Delete an unused template', params: S.idParams } },
    async (req, reply) => {
      await reg.deleteTemplate((req.params as { id: string }).id);
      return reply.status(204).send();
    },
  );
}
