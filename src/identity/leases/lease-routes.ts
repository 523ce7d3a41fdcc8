import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../../contract/api.js';
import { expireAllBody, issueLeaseBody, leasePolicyBody, revokeLeaseBody } from '../../contract/leases.js';
import type { AppDeps } from '../../http/deps.js';
import { opOf } from '../../http/op.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const idParams = envParams.extend({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be a lease id: 16 hex characters') });
const listQuery = z.object({ status: z.enum(['active', 'expired', 'revoked'], { message: 'must be one of active, expired, revoked' }).optional() });
const base = '/api/v1/projects/:project/environments/:env';

export function registerLeaseRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const leases = deps.services.leases;

  r.post(`${base}/leases`, { schema: { params: envParams, body: issueLeaseBody }, config: { audit: { event: 'LeaseIssued' }, authorize: 'apikey.manage' } }, async (req, reply) =>
    reply.code(201).send(await leases.issue(opOf(req), req.params.project, req.params.env, req.body)),
  );

  r.get(`${base}/leases`, { schema: { params: envParams, querystring: listQuery } }, async (req) => ({
    leases: await leases.list(opOf(req), req.params.project, req.params.env, req.query.status),
  }));

  // The body (a reason) is optional: DELETE …/leases/:id with no body revokes too.
  r.delete(
    `${base}/leases/:id`,
    { schema: { params: idParams, body: revokeLeaseBody.nullish() }, config: { audit: { event: 'LeaseRevoked', resourceParam: 'id' }, authorize: 'apikey.manage' } },
    async (req) => leases.revoke(opOf(req), req.params.project, req.params.env, req.params.id, req.body?.reason ?? null),
  );

  r.post(
    `${base}/leases/expire-all`,
    { schema: { params: envParams, body: expireAllBody.nullish() }, config: { audit: { event: 'LeaseRevoked' }, authorize: 'apikey.manage' } },
    async (req) => leases.expireAll(opOf(req), req.params.project, req.params.env, req.body?.reason ?? null),
  );

  r.get(`${base}/lease-policy`, { schema: { params: envParams } }, async (req) => leases.policy(opOf(req), req.params.project, req.params.env));

  r.put(
    `${base}/lease-policy`,
    { schema: { params: envParams, body: leasePolicyBody }, config: { audit: { event: 'LeasePolicyChanged' }, authorize: 'apikey.manage' } },
    async (req) => leases.setPolicy(opOf(req), req.params.project, req.params.env, req.body.maxTtlSeconds),
  );
}
