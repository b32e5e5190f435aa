/**
 * REST API of alerts (/api/v1/alerts: list with filters and paging, detail with the sample
 * events read back from the event store, status changes) and notification channels
 * (/api/v1/notifications/channels: CRUD and a test send). Reads need events:read (analyst,
 * read-only, admin); writes need an admin (keys:manage, as for sensor management).
 */
import { KyokaError } from '@kyoka/core';
import type { FastifyInstance } from 'fastify';
import { requirePerm } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import { parseTime } from '../http/time.ts';
import type { ChannelInput } from './notify/channels.ts';
import * as S from './schemas.ts';
import type { AlertService } from './service.ts';
import type { AlertFilter, AlertStatus } from './types.ts';

const A = '/api/v1/alerts';
const C = '/api/v1/notifications/channels';

export async function alertRoutes(app: FastifyInstance, ctx: ServerContext, svc: AlertService): Promise<void> {
  const read = { onRequest: requirePerm('events:read') };
  const admin = { onRequest: requirePerm('detection:manage') };
  const tags = ['alerts'];

  app.get(
    A,
    {
      ...read,
      schema: {
        tags,
        summary: 'List alerts, newest activity first',
        querystring: S.ListQuery,
        response: { 200: S.ListReply, ...S.errors },
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | number | undefined>;
      const filter: AlertFilter = {
        status: q.status as AlertFilter['status'],
        severity: q.severity as AlertFilter['severity'],
        rule: (q.rule as string) || undefined,
        q: (q.q as string)?.trim() || undefined,
      };
      const now = Date.now();
      if (q.from) filter.from = parseTime(String(q.from), 0, 'from', now);
      if (q.to) filter.to = parseTime(String(q.to), now, 'to', now);
      return svc.list(filter, { limit: Number(q.limit ?? 50), offset: Number(q.offset ?? 0) });
    },
  );

  app.get(
    `${A}/:id`,
    {
      ...read,
      schema: {
        tags,
        summary: 'One alert with its sample events',
        params: S.IdParams,
        response: { 200: S.DetailReply, ...S.errors },
      },
    },
    async (req) => {
      const alert = await svc.get((req.params as { id: string }).id);
      if (!alert) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such alert');
      const found = await Promise.all(alert.events.map((id) => ctx.events.get(id).catch(() => null)));
      return { alert, events: found.filter((e) => e !== null) };
    },
  );

  app.patch(
    `${A}/:id`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Set an alert status',
        params: S.IdParams,
        body: S.PatchBody,
        response: { 200: S.AlertView, ...S.errors },
      },
    },
    async (req) => svc.setStatus((req.params as { id: string }).id, (req.body as { status: AlertStatus }).status),
  );

  const ntags = ['notifications'];
  app.get(
    C,
    {
      ...read,
      schema: {
        tags: ntags,
        summary: 'List notification channels (secrets masked)',
        response: {
          200: { type: 'object', properties: { channels: { type: 'array', items: S.ChannelView } } },
          ...S.errors,
        },
      },
    },
    async () => ({ channels: await svc.listChannels() }),
  );
  app.post(
    C,
    {
      ...admin,
      schema: {
        tags: ntags,
        summary: 'Create a channel',
        body: S.ChannelBody,
        response: { 201: S.ChannelView, ...S.errors },
      },
    },
    async (req, reply) => reply.status(201).send(await svc.createChannel(req.body as ChannelInput)),
  );
  app.put(
    `${C}/:id`,
    {
      ...admin,
      schema: {
        tags: ntags,
        summary: 'Replace a channel (send ******** to keep a secret)',
        params: S.IdParams,
        body: S.ChannelBody,
        response: { 200: S.ChannelView, ...S.errors },
      },
    },
    async (req) => svc.updateChannel((req.params as { id: string }).id, req.body as ChannelInput),
  );
  app.delete(
    `${C}/:id`,
    { ...admin, schema: { tags: ntags, summary: 'Delete a channel', params: S.IdParams } },
    async (req, reply) => {
      await svc.deleteChannel((req.params as { id: string }).id);
      return reply.status(204).send();
    },
  );
  app.post(
    `${C}/:id/test`,
    {
      ...admin,
      schema: {
        tags: ntags,
        summary: 'Send a test message now',
        params: S.IdParams,
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, ...S.errors },
      },
    },
    async (req, reply) => {
      try {
        await svc.testChannel((req.params as { id: string }).id);
        return { ok: true };
      } catch (err) {
        if (err instanceof KyokaError) throw err;
        return reply
          .status(502)
          .send({ error: 'KYOKA_E_UNAVAILABLE', message: `delivery failed: ${(err as Error).message}` });
      }
    },
  );
}
