import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { putSecretBody, secretKeySchema, slugSchema } from '../contract/api.js';
import type { AppDeps } from '../http/deps.js';
import { opOf } from '../http/op.js';
import { e2eKeyOf, valuesBody } from '../http/e2ee.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const keyParams = z.object({ project: slugSchema, env: slugSchema, key: secretKeySchema });
const base = '/api/v1/projects/:project/environments/:env';
const versionMsg = 'must be a version number (1, 2, …)';
// Not strict: other query parameters on a secret read are ignored, as on every non-log route.
const versionQuery = z.object({ version: z.coerce.number({ message: versionMsg }).int(versionMsg).min(1, versionMsg).max(2 ** 31, versionMsg).optional() });
const ref = (p: { project: string; env: string; key: string }) => ({ project: p.project, environment: p.env, key: p.key });

export function registerSecretRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const secrets = deps.services.secrets;

  // Every value, in the published SDK's shape (its getAllSecrets), audited like a pull. The entry is
  // committed with the access row at onSend: if that fails the values never leave.
  r.get(
    `${base}/secrets`,
    { schema: { params: envParams }, config: { audit: { event: 'SecretsBulkPulled', resourceParam: 'env' }, repeatable: 'e2e' } },
    async (req, reply) => {
      const op = opOf(req);
      const key = e2eKeyOf(req);
      return valuesBody(reply, key, await secrets.all(op, req.params.project, req.params.env, { e2ee: key !== null }));
    },
  );

  // The names, versions and authors without values (the WebApp's and `bella secrets list`'s listing).
  r.get(`${base}/secrets/manifest`, { schema: { params: envParams } }, async (req) => ({ secrets: await secrets.list(opOf(req), req.params.project, req.params.env) }));

  // The SDK polls this (getSecretsVersion): no value, so in the Access Log only.
  r.get(`${base}/secrets/version`, { schema: { params: envParams }, config: { repeatable: 'always' } }, async (req) =>
    secrets.version(opOf(req), req.params.project, req.params.env),
  );

  // The SecretRead entry is committed with the access row at onSend: if that fails the value never leaves.
  r.get(
    `${base}/secrets/:key`,
    { schema: { params: keyParams, querystring: versionQuery }, config: { audit: { event: 'SecretRead', resourceParam: 'key' }, repeatable: 'e2e' } },
    async (req, reply) => {
      const op = opOf(req);
      const key = e2eKeyOf(req);
      return valuesBody(reply, key, await secrets.read(op, ref(req.params), req.query.version, { e2ee: key !== null }));
    },
  );

  r.get(`${base}/secrets/:key/versions`, { schema: { params: keyParams } }, async (req) => ({
    key: req.params.key,
    versions: await secrets.versions(opOf(req), ref(req.params)),
  }));

  r.put(
    `${base}/secrets/:key`,
    { schema: { params: keyParams, body: putSecretBody }, config: { audit: { event: 'SecretUpdated', resourceParam: 'key' }, authorize: 'secret.write' } },
    async (req) => secrets.put(opOf(req), ref(req.params), req.body.value),
  );

  r.delete(`${base}/secrets/:key`, { schema: { params: keyParams }, config: { audit: { event: 'SecretDeleted', resourceParam: 'key' } } }, async (req, reply) => {
    await secrets.delete(opOf(req), ref(req.params));
    return reply.code(204).send();
  });

  r.post(`${base}/pull`, { schema: { params: envParams }, config: { audit: { event: 'SecretsBulkPulled' } } }, async (req, reply) => {
    const op = opOf(req);
    const key = e2eKeyOf(req);
    return valuesBody(reply, key, await secrets.pull(op, req.params.project, req.params.env, { e2ee: key !== null }));
  });
}
