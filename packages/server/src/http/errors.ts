import { KyokaError } from '@kyoka/core';
import type { FastifyError, FastifyInstance } from 'fastify';

/** One error shape for every route: {error: KYOKA_E_…, message, ...details}. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | KyokaError | Error, req, reply) => {
    if (err instanceof KyokaError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply.status(err.status).send(err.toJSON());
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: 'KYOKA_E_PAYLOAD_TOO_LARGE', message: 'request body too large' });
    }
    if (fe.statusCode === 429) return reply.status(429).send({ error: 'KYOKA_E_RATE_LIMITED', message: fe.message });
    if (fe.validation || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)) {
      const status = fe.statusCode ?? 400;
      const code =
        status === 415 ? 'KYOKA_E_UNSUPPORTED_MEDIA' : status === 404 ? 'KYOKA_E_NOT_FOUND' : 'KYOKA_E_BAD_REQUEST';
      return reply.status(status).send({ error: code, message: fe.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: 'KYOKA_E_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: 'KYOKA_E_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });
}
