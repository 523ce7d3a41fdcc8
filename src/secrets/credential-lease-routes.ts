import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { slugSchema } from '../contract/api.js';
import { CREDENTIAL_LEASE_ID_RE, issueCredentialLeaseBody } from '../contract/credential-leases.js';
import { revokeLeaseBody } from '../contract/leases.js';
import type { AppDeps } from '../http/deps.js';
import { e2eKeyOf, valuesBody } from '../http/e2ee.js';
import { opOf } from '../http/op.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const idParams = envParams.extend({ id: z.string().regex(CREDENTIAL_LEASE_ID_RE, 'must be a credential lease id: cl- and 16 hex characters') });
const base = '/api/v1/projects/:project/environments/:env/credential-leases';

/** Credential leases (docs/providers.md): database logins from a provider, shown once, removed when they end. */
export function registerCredentialLeaseRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const leases = deps.services.credentialLeases;

  // The password is a value: end-to-end encrypted to the caller's X-E2E-Public-Key when it sends one.
  r.post(base, { schema: { params: envParams, body: issueCredentialLeaseBody }, config: { audit: { event: 'LeaseIssued' }, authorize: 'secret.read' } }, async (req, reply) => {
    const key = e2eKeyOf(req);
    const issued = await leases.issue(opOf(req), req.params.project, req.params.env, req.body);
    return reply.code(201).send(valuesBody(reply, key, issued));
  });

  r.get(base, { schema: { params: envParams }, config: { authorize: 'secret.list' } }, async (req) => ({
    leases: await leases.list(opOf(req), req.params.project, req.params.env),
  }));

  // 200 once the database confirmed the login gone; 202 when the removal failed and is being retried.
  r.delete(
    `${base}/:id`,
    { schema: { params: idParams, body: revokeLeaseBody.nullish() }, config: { audit: { event: 'LeaseRevoked', resourceParam: 'id' }, authorize: 'secret.list' } },
    async (req, reply) => {
      const v = await leases.revoke(opOf(req), req.params.project, req.params.env, req.params.id, req.body?.reason ?? null);
      return reply.code(v.status === 'revoked' ? 200 : 202).send(v);
    },
  );
}
