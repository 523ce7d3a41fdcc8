import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKeyBody, slugSchema } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const idParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id: 16 hex characters') });

export function registerApiKeyRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const keys = deps.services.apiKeys;
  const base = '/api/v1/projects/:project/environments/:env/api-keys';

  r.post(base, { schema: { params: envParams, body: createApiKeyBody }, config: { audit: { event: 'ApiKeyCreated' }, authorize: 'apikey.manage' } }, async (req, reply) =>
    reply.code(201).send(await keys.create(opOf(req), req.params.project, req.params.env, req.body)),
  );

  r.get(base, { schema: { params: envParams } }, async (req) => ({ apiKeys: await keys.list(opOf(req), req.params.project, req.params.env) }));

  // The SDK's discoverContext: which project and environment the calling key belongs to.
  r.get('/api/v1/keys/me', { config: { repeatable: 'always' } }, async (req) => keys.me(opOf(req)));

  r.delete('/api/v1/api-keys/:id', { schema: { params: idParams }, config: { audit: { event: 'ApiKeyRevoked', resourceParam: 'id' } } }, async (req, reply) => {
    await keys.revoke(opOf(req), req.params.id);
    return reply.code(204).send();
  });
}
