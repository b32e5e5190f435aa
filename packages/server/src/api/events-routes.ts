import { KyokaError } from '@kyoka/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requirePerm } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';
import { decodeBody, EVENT_TOO_LARGE } from '../ingest/decode.ts';
import type { IngestSource } from '../ingest/service.ts';

const API_SOURCE: IngestSource = { name: 'api', type: 'ecs', transport: 'http' };

/**
 * Shared by the events API and log-source receivers: decode, parse, store, answer.
 * 200 when all stored, 207 with per-index errors when some were bad, 400 when none were good.
 */
export async function handleIngest(ctx: ServerContext, source: IngestSource, req: FastifyRequest, reply: FastifyReply) {
  const body = req.body;
  if (!Buffer.isBuffer(body)) {
    // no body at all (fastify never calls the parser): bad input like any other, so counted
    ctx.ingest.malformed(source.name, 'bad_body');
    throw new KyokaError('KYOKA_E_BAD_REQUEST', 'empty body');
  }
  const { maxBodyBytes, maxBatch, maxEventBytes } = ctx.config.ingest;
  let decoded: ReturnType<typeof decodeBody>;
  try {
    decoded = decodeBody(body, {
      encoding: req.headers['content-encoding'] as string | undefined,
      maxBytes: maxBodyBytes,
      maxBatch,
      maxEventBytes,
    });
  } catch (err) {
    if (err instanceof KyokaError)
      ctx.ingest.malformed(source.name, err.code === 'KYOKA_E_PAYLOAD_TOO_LARGE' ? 'too_large' : 'bad_body');
    throw err;
  }
  const { events, errors } = ctx.ingest.prepare(decoded.records, source, { ip: req.ip, port: req.socket.remotePort });
  const allErrors = decoded.errors.length ? [...decoded.errors, ...errors].sort((a, b) => a.index - b.index) : errors;
  if (decoded.errors.length) {
    const big = decoded.errors.filter((e) => e.error === EVENT_TOO_LARGE).length;
    if (big) ctx.ingest.malformed(source.name, 'event_too_large', big);
    if (decoded.errors.length > big) ctx.ingest.malformed(source.name, 'bad_json', decoded.errors.length - big);
  }
  if (!events.length) {
    return reply.status(400).send({
      error: 'KYOKA_E_BAD_EVENT',
      message: 'no valid events in the request',
      accepted: 0,
      errors: allErrors.slice(0, 1000),
    });
  }
  let res: { inserted: number; duplicates: number };
  try {
    res = await ctx.ingest.writer.write(events);
  } catch (err) {
    if (err instanceof KyokaError && err.code === 'KYOKA_E_UNAVAILABLE')
      ctx.metrics.rejected.inc({ source: source.name, reason: 'busy' });
    throw err;
  }
  ctx.ingest.accepted(source.name, events.length, decoded.bytes);
  const out = {
    accepted: events.length,
    duplicates: res.duplicates,
    errors: allErrors.slice(0, 1000),
    ids: events.length <= 1000 ? events.map((e) => e.id) : undefined,
  };
  return reply.status(allErrors.length ? 207 : 200).send(out);
}

/**
 * Raw-body parsing for ingest routes: we decode gzip/JSON/NDJSON ourselves, with our limits.
 * Bodies refused by fastify's size cap are counted for the source before the shared handler answers.
 */
export function rawBodyParsers(app: FastifyInstance, limit: number, ctx: ServerContext, source: string): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
  app.addHook('onError', async (_req, _reply, err) => {
    const code = (err as { code?: string }).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') ctx.ingest.malformed(source, 'too_large');
    else if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
      ctx.ingest.malformed(source, 'bad_body');
  });
}

export async function eventsRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  // Compressed bodies are capped again after gunzip; this caps the wire size.
  await app.register(async (scope) => {
    rawBodyParsers(scope, ctx.config.ingest.maxBodyBytes, ctx, API_SOURCE.name);
    const mayWrite = requirePerm('events:write');
    scope.post(
      '/api/v1/events',
      {
        // onRequest, not preHandler: a refused caller is answered before its body (up to
        // ingest.maxBodyBytes) is read, and counted like a refused receiver request.
        onRequest: async (req, reply) => {
          try {
            await mayWrite(req, reply);
          } catch (err) {
            const reason = (err as KyokaError).code === 'KYOKA_E_UNAUTHENTICATED' ? 'auth' : 'forbidden';
            ctx.metrics.rejected.inc({ source: API_SOURCE.name, reason });
            throw err;
          }
        },
        schema: { tags: ['ingest'], summary: 'Ingest events: JSON object, JSON array or NDJSON, optionally gzip' },
      },
      (req, reply) => handleIngest(ctx, API_SOURCE, req, reply),
    );
  });

  app.get(
    '/api/v1/events/:id',
    { onRequest: requirePerm('events:read'), schema: { tags: ['search'] } },
    async (req) => {
      const { id } = req.params as { id: string };
      const ev = await ctx.events.get(id);
      if (!ev) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such event');
      return ev;
    },
  );
}
