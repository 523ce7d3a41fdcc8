import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../contract/api.js';
import { createProviderBody, providerNameSchema } from '../contract/providers.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';

const nameParams = z.object({ name: providerNameSchema });
const projectParams = nameParams.extend({ project: slugSchema });
const envParams = projectParams.extend({ env: slugSchema });

/** Providers (docs/providers.md): created, read and deleted by the instance admin; assigned by a project's managers. */
export function registerProviderRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const providers = deps.services.providers;
  const base = '/api/v1/providers';

  r.post(base, { schema: { body: createProviderBody }, config: { audit: { event: 'ProviderCreated', resourceBody: 'name' }, authorize: 'admin' } }, async (req, reply) =>
    reply.code(201).send(await providers.create(opOf(req), req.body)),
  );
  r.get(base, { config: { authorize: 'admin' } }, async (req) => ({ providers: await providers.list(opOf(req)) }));
  r.get(`${base}/:name`, { schema: { params: nameParams }, config: { authorize: 'admin' } }, async (req) => providers.show(opOf(req), req.params.name));
  r.delete(`${base}/:name`, { schema: { params: nameParams }, config: { audit: { event: 'ProviderDeleted', resourceParam: 'name' }, authorize: 'admin' } }, async (req, reply) => {
    await providers.delete(opOf(req), req.params.name);
    return reply.code(204).send();
  });
  // Assignments name the project (and environment) in the path, so the caller's right is checked before anything else.
  r.put('/api/v1/projects/:project/providers/:name', { schema: { params: projectParams }, config: { audit: { event: 'ProviderAssigned', resourceParam: 'name' }, authorize: 'member.manage' } }, async (req) =>
    providers.assign(opOf(req), req.params.name, req.params.project, null),
  );
  r.put('/api/v1/projects/:project/environments/:env/providers/:name', { schema: { params: envParams }, config: { audit: { event: 'ProviderAssigned', resourceParam: 'name' }, authorize: 'member.manage' } }, async (req) =>
    providers.assign(opOf(req), req.params.name, req.params.project, req.params.env),
  );
  r.get(`${base}/:name/check`, { schema: { params: nameParams }, config: { authorize: 'admin' } }, async (req) =>
    providers.check(opOf(req), req.params.name, deps.services.credentialLeases.liveUsernames),
  );
}
