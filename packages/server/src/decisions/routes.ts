/**
 * Manual management under /api/v1/decisions: analysts (and bouncers) read, admins add and
 * remove. Changes go through the service, so they reach bouncers and push clients at once.
 */
import { KyokaError, parseDuration } from '@kyoka/core';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requirePerm } from '../auth/plugin.ts';
import type { DecisionType } from './db.ts';
import * as S from './schemas.ts';
import type { DecisionService } from './service.ts';
import { decisionView } from './view.ts';

const tags = ['decisions'];
const V1 = '/api/v1/decisions';

export function decisionRoutes(app: FastifyInstance, svc: DecisionService): void {
  const read = { onRequest: requirePerm('decisions:read') };
  const admin = { onRequest: requirePerm('detection:manage') };

  app.get(
    V1,
    {
      ...read,
      schema: {
        tags,
        summary: 'List decisions (live by default)',
        querystring: S.listQuery,
        response: { 200: S.listReply, ...S.errors },
      },
    },
    async (req) => {
      const q = req.query as Static<typeof S.listQuery>;
      let rows = q.ip
        ? svc.active(q.ip)
        : await svc.list({ value: q.value, type: q.type, origin: q.origin, active: !q.all, limit: q.limit });
      if (q.ip) rows = rows.filter((r) => (!q.type || r.type === q.type) && (!q.origin || r.origin === q.origin));
      const now = Date.now();
      return { decisions: rows.map((r) => decisionView(r, now)), total: rows.length };
    },
  );

  app.post(
    V1,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Add a decision (extends a live one of the same value and type)',
        body: S.createBody,
        response: { 201: S.decisionView, ...S.errors },
      },
    },
    async (req, reply) => {
      const b = req.body as Static<typeof S.createBody>;
      const d = await svc.create({
        value: b.value,
        type: b.type as DecisionType,
        duration_ms: parseDuration(b.duration),
        origin: 'manual',
        reason: b.reason ?? `manual by ${req.principal?.name ?? 'unknown'}`,
        scenario: b.scenario,
      });
      return reply.status(201).send(decisionView(d));
    },
  );

  app.delete(
    `${V1}/:id`,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Remove a live decision by id',
        params: S.idParams,
        response: { 200: S.removedReply, ...S.errors },
      },
    },
    async (req) => {
      const removed = await svc.remove((req.params as { id: number }).id);
      if (!removed.length) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no live decision with that id');
      return { removed: removed.map((r) => decisionView(r)) };
    },
  );

  app.delete(
    V1,
    {
      ...admin,
      schema: {
        tags,
        summary: 'Remove every live decision on a value',
        querystring: S.deleteQuery,
        response: { 200: S.removedReply, ...S.errors },
      },
    },
    async (req) => {
      const removed = await svc.remove((req.query as { value: string }).value);
      if (!removed.length) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no live decision on that value');
      return { removed: removed.map((r) => decisionView(r)) };
    },
  );
}
