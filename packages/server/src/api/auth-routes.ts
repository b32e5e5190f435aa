import { randomBytes } from 'node:crypto';
import { KyokaError } from '@kyoka/core';
import type { FastifyInstance } from 'fastify';
import { dummyHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { type Principal, SESSION_COOKIE } from '../auth/plugin.ts';
import type { ServerContext } from '../context.ts';

export async function authRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const { meta, config, metrics } = ctx;
  const ttl = Math.round(config.auth.sessionHours * 3_600_000);
  const secure = Boolean(config.http.tls) || config.http.secureCookies;

  app.post(
    '/api/v1/auth/login',
    {
      config: { rateLimit: { max: config.auth.loginPerMinute, timeWindow: 60_000 } },
      // Attempts refused before the handler (rate limit, malformed body) are login attempts
      // too: counted here so a password-guessing run shows in kyoka_auth_logins_total.
      onResponse: async (_req, reply) => {
        if (reply.statusCode === 429) metrics.logins.inc({ outcome: 'rate_limited' });
        else if (reply.statusCode === 400 || reply.statusCode === 413 || reply.statusCode === 415)
          metrics.logins.inc({ outcome: 'invalid' });
      },
      schema: {
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: { username: { type: 'string', maxLength: 128 }, password: { type: 'string', maxLength: 1024 } },
        },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      const user = await meta.getUser(username);
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
      if (!user || !ok) {
        metrics.logins.inc({ outcome: 'failure' });
        throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'wrong user name or password');
      }
      metrics.logins.inc({ outcome: 'success' });
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      await meta.createSession({ id, user: user.name, csrf, expiresAt: Date.now() + ttl });
      reply.setCookie(SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: 'strict',
        secure,
        path: '/',
        maxAge: Math.floor(ttl / 1000),
      });
      return { user: { name: user.name, role: user.role }, csrfToken: csrf };
    },
  );

  app.get('/api/v1/auth/me', { schema: { tags: ['auth'] } }, async (req) => {
    const p = req.principal;
    if (!p) throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'not logged in');
    return { user: { name: p.name, role: p.role }, csrfToken: p.csrf ?? null };
  });

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    const p = req.principal;
    if (p?.sessionId) await meta.deleteSession(p.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.post(
    '/api/v1/auth/password',
    {
      // checked before the body is read, like every authenticated route
      onRequest: async (req) => {
        const p = req.principal;
        if (p?.kind !== 'user') throw new KyokaError('KYOKA_E_UNAUTHENTICATED', 'log in to change your password');
        if (req.headers['x-kyoka-csrf'] !== p.csrf)
          throw new KyokaError('KYOKA_E_FORBIDDEN', 'missing or wrong X-Kyoka-CSRF header');
      },
      schema: {
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['current', 'next'],
          properties: {
            current: { type: 'string', maxLength: 1024 },
            next: { type: 'string', minLength: 12, maxLength: 1024 },
          },
        },
      },
    },
    async (req, reply) => {
      const p = req.principal as Principal;
      const { current, next } = req.body as { current: string; next: string };
      const user = await meta.getUser(p.name);
      if (!user || !(await verifyPassword(user.passwordHash, current))) {
        throw new KyokaError('KYOKA_E_FORBIDDEN', 'current password is wrong');
      }
      await meta.setPassword(p.name, await hashPassword(next));
      return reply.status(204).send();
    },
  );
}
