import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../../contract/api.js';
import { createTrustDomainBody, tokenExchangeBody, updateTrustDomainBody } from '../../contract/trust.js';
import type { AppDeps } from '../../http/deps.js';
import { opOf, publicOpOf } from '../../http/op.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const nameParams = envParams.extend({ name: slugSchema });
const base = '/api/v1/projects/:project/environments/:env/trust-domains';

export function registerTrustRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const domains = deps.services.trustDomains;

  r.post(base, { schema: { params: envParams, body: createTrustDomainBody }, config: { audit: { event: 'TrustDomainCreated', resourceBody: 'name' }, authorize: 'apikey.manage' } }, async (req, reply) =>
    reply.code(201).send(await domains.create(opOf(req), req.params.project, req.params.env, req.body)),
  );

  r.get(base, { schema: { params: envParams } }, async (req) => ({ trustDomains: await domains.list(opOf(req), req.params.project, req.params.env) }));

  r.get(`${base}/:name`, { schema: { params: nameParams } }, async (req) => domains.show(opOf(req), req.params.project, req.params.env, req.params.name));

  r.patch(
    `${base}/:name`,
    { schema: { params: nameParams, body: updateTrustDomainBody }, config: { audit: { event: 'TrustDomainUpdated', resourceParam: 'name' }, authorize: 'apikey.manage' } },
    async (req) => domains.update(opOf(req), req.params.project, req.params.env, req.params.name, req.body),
  );

  r.delete(`${base}/:name`, { schema: { params: nameParams }, config: { audit: { event: 'TrustDomainDeleted', resourceParam: 'name' }, authorize: 'apikey.manage' } }, async (req, reply) => {
    await domains.delete(opOf(req), req.params.project, req.params.env, req.params.name);
    return reply.code(204).send();
  });

  // The keyless exchange needs no credential: the OIDC token is the credential. Its refusals are
  // recorded by the service (TrustTokenRejected), its acceptance as TrustTokenIssued.
  r.post('/api/v1/token', { schema: { body: tokenExchangeBody }, config: { public: true } }, async (req) => deps.services.tokenExchange.exchange(publicOpOf(req), req.body));
}
