import { KyokaError } from '@kyoka/core';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../auth/api-keys.ts';
import { requirePerm } from '../auth/plugin.ts';
import { ROLES } from '../auth/roles.ts';
import type { ServerContext } from '../context.ts';
import type { ApiKey, Role } from '../store/types.ts';

/** Public view of a key: never the hash. */
export function keyView(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

export async function keysRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const manage = { onRequest: requirePerm('keys:manage') };
  app.get('/api/v1/keys', { ...manage, schema: { tags: ['keys'] } }, async () => ({
    keys: (await ctx.meta.listApiKeys()).map(keyView),
  }));
  app.post(
    '/api/v1/keys',
    {
      ...manage,
      schema: {
        tags: ['keys'],
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 64 },
            role: { type: 'string', enum: [...ROLES] },
          },
        },
      },
    },
    async (req, reply) => {
      const { name, role } = req.body as { name: string; role: Role };
      const { key, secret } = await createApiKey(ctx.meta, name, role);
      return reply.status(201).send({ key: keyView(key), secret });
    },
  );
  app.delete('/api/v1/keys/:id', { ...manage, schema: { tags: ['keys'] } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await ctx.meta.revokeApiKey(id))) throw new KyokaError('KYOKA_E_NOT_FOUND', 'no such key');
    ctx.keys.forget();
    return reply.status(204).send();
  });
}
