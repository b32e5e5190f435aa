import { KyokaError } from '@kyoka/core';
import { parseQuery } from '@kyoka/core/query/index';
import type { FastifyInstance } from 'fastify';
import { requirePerm } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import { parseInterval, parseTime } from '../http/time.ts';

const DAY = 86_400_000;
const FIELD_RE = /^[A-Za-z_@][A-Za-z0-9_.@-]{0,127}$/;

interface Q {
  q?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  field?: string;
  n?: string;
  interval?: string;
  order?: string;
}

/** JavaScript's date range: times past it (now+999999999w) have no date, and bucket arithmetic loses precision. */
const MAX_TIME = 8.64e15;

function range(q: Q): { from: number; to: number } {
  const now = Date.now();
  const to = parseTime(q.to, now + 1, 'to', now);
  const from = parseTime(q.from, to - DAY, 'from', now);
  for (const [name, t] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(Math.abs(t) <= MAX_TIME))
      throw new KyokaError('KYOKA_E_BAD_REQUEST', `${name}: out of range (dates from year -271821 to 275760)`);
  }
  if (from >= to) throw new KyokaError('KYOKA_E_BAD_REQUEST', '`from` must be before `to`');
  return { from, to };
}

function int(v: string | undefined, def: number, min: number, max: number, name: string): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new KyokaError('KYOKA_E_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

const qs = {
  type: 'object',
  properties: {
    q: { type: 'string', description: 'KQL query, e.g. source.ip:10.0.0.0/8 and not user.name:root' },
    from: { type: 'string', description: 'ISO-8601, epoch ms or now-24h (default: 24 h before `to`)' },
    to: { type: 'string', description: 'ISO-8601, epoch ms or now (default: now)' },
  },
} as const;

export async function searchRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const read = { onRequest: requirePerm('events:read') };
  app.get(
    '/api/v1/search',
    {
      ...read,
      schema: {
        tags: ['search'],
        querystring: {
          ...qs,
          properties: {
            ...qs.properties,
            limit: { type: 'string' },
            cursor: { type: 'string' },
            order: { type: 'string', enum: ['asc', 'desc'] },
          },
        },
      },
    },
    async (req) => {
      const q = req.query as Q;
      const query = parseQuery(q.q ?? '');
      const { from, to } = range(q);
      const limit = int(q.limit, 100, 1, 1000, 'limit');
      return ctx.events.search({
        query,
        from,
        to,
        limit,
        cursor: q.cursor || null,
        order: q.order === 'asc' ? 'asc' : 'desc',
      });
    },
  );
  app.get(
    '/api/v1/search/top',
    {
      ...read,
      schema: {
        tags: ['search'],
        querystring: {
          ...qs,
          required: ['field'],
          properties: { ...qs.properties, field: { type: 'string' }, n: { type: 'string' } },
        },
      },
    },
    async (req) => {
      const q = req.query as Q;
      if (!q.field || !FIELD_RE.test(q.field))
        throw new KyokaError('KYOKA_E_BAD_REQUEST', 'field: a field name such as source.ip is required');
      const query = parseQuery(q.q ?? '');
      const { from, to } = range(q);
      const n = int(q.n, 10, 1, 1000, 'n');
      return { field: q.field, buckets: await ctx.events.top({ field: q.field, query, from, to, n }) };
    },
  );
  app.get(
    '/api/v1/search/histogram',
    {
      ...read,
      schema: {
        tags: ['search'],
        querystring: { ...qs, properties: { ...qs.properties, interval: { type: 'string' } } },
      },
    },
    async (req) => {
      const q = req.query as Q;
      const query = parseQuery(q.q ?? '');
      const { from, to } = range(q);
      const intervalMs = parseInterval(q.interval, from, to);
      return { interval: intervalMs, buckets: await ctx.events.histogram({ query, from, to, intervalMs }) };
    },
  );
  app.get('/api/v1/sources', { ...read, schema: { tags: ['ingest'] } }, async () => ({
    sources: ctx.ingest.stats.list(),
  }));
}
