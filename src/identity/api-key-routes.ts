import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKeyBody, slugSchema, type ApiKeyView, type CreatedApiKey } from '../contract/api.js';
import { deriveSigningKey } from '../contract/signing.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { notFound } from '../http/errors.js';
import { authorizeScope } from '../projects/scope.js';
import type { ApiKeyRow } from '../store/types.js';
import { authorize } from './authorize.js';
import { newApiKeyParts, sha256hex } from './tokens.js';
import { requireAuth } from './authenticate.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const view = (k: ApiKeyRow, projectSlug: string, environmentSlug: string): ApiKeyView => ({
  id: k.id, name: k.name, role: k.role, projectSlug, environmentSlug, createdAt: k.createdAt, createdBy: k.createdBy, revokedAt: k.revokedAt,
});

export function registerApiKeyRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = '/api/v1/projects/:project/environments/:env/api-keys';

  r.post(base, { schema: { params: envParams, body: createApiKeyBody }, config: { audit: { event: 'ApiKeyCreated' } } }, async (req, reply) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'apikey.manage');
    // An AUDITOR key reads the whole project's logs: only a caller who may read them can mint one.
    if (req.body.role === 'AUDITOR') authorize(s.facts, 'logs.read');
    const env = s.environment as NonNullable<typeof s.environment>;
    const { id, secret } = newApiKeyParts();
    const row: ApiKeyRow = {
      id,
      projectId: s.project.id,
      environmentId: env.id,
      name: req.body.name,
      role: req.body.role,
      secretHash: sha256hex(secret),
      wrappedSigningKey: deps.keyring.sealInstance(deriveSigningKey(secret), `api-key-signing:${id}`),
      createdAt: deps.clock().toISOString(),
      createdBy: s.facts.principal.actor.email,
      revokedAt: null,
    };
    record(deps, req, { event: 'ApiKeyCreated', resource: id, details: { name: row.name, role: row.role } });
    await commit(deps, req, (tx) => tx.apiKeys.insert(row));
    const body: CreatedApiKey = { ...view(row, s.project.slug, env.slug), key: `bax-${id}-${secret}` };
    return reply.code(201).send(body);
  });

  r.get(base, { schema: { params: envParams } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'apikey.manage');
    const env = s.environment as NonNullable<typeof s.environment>;
    return { apiKeys: (await deps.store.apiKeys.list(s.project.id, env.id)).map((k) => view(k, s.project.slug, env.slug)) };
  });

  r.delete(
    '/api/v1/api-keys/:id',
    { schema: { params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id: 16 hex characters') }) }, config: { audit: { event: 'ApiKeyRevoked', resourceParam: 'id' } } },
    async (req, reply) => {
      requireAuth(req); // before the lookup, so an anonymous caller cannot probe which key ids exist
      const key = await deps.store.apiKeys.get(req.params.id);
      if (!key) throw notFound(`API key ${req.params.id}`);
      const project = await deps.store.projects.getById(key.projectId);
      const env = await deps.store.projects.getEnvironmentById(key.environmentId);
      if (!project || !env) throw notFound(`API key ${req.params.id}`);
      req.ctx.projectSlug = project.slug;
      req.ctx.environmentSlug = env.slug;
      await authorizeScope(deps, req, project.slug, env.slug, 'apikey.manage');
      if (key.revokedAt) return reply.code(204).send(); // idempotent: already revoked, nothing new to record
      record(deps, req, { event: 'ApiKeyRevoked', resource: key.id, details: { name: key.name, role: key.role } });
      await commit(deps, req, (tx) => tx.apiKeys.revoke(key.id, deps.clock().toISOString()));
      return reply.code(204).send();
    },
  );
}
