import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_SECRET_BYTES, putSecretBody, secretKeySchema, slugSchema, type PullResponse, type SecretKeyView, type SecretView } from '../contract/api.js';
import { commit, record, type AppDeps } from '../http/deps.js';
import { AppError, notFound } from '../http/errors.js';
import { authorizeScope, type Scope } from '../projects/scope.js';
import type { SecretRow } from '../store/types.js';
import { open, seal } from './envelope.js';

const envParams = z.object({ project: slugSchema, env: slugSchema });
const keyParams = z.object({ project: slugSchema, env: slugSchema, key: secretKeySchema });
const base = '/api/v1/projects/:project/environments/:env';
// Not strict: other query parameters on a secret read are ignored, as on every non-log route.
const versionQuery = z
  .object({ version: z.coerce.number({ message: 'must be a version number (1, 2, …)' }).int('must be a version number (1, 2, …)').min(1, 'must be a version number (1, 2, …)').max(2 ** 31, 'must be a version number (1, 2, …)').optional() });

/** AAD binds a ciphertext to its project, environment, key and version. */
const aad = (s: Scope, key: string, version: number) => `${s.project.id}/${s.environment?.id}/${key}/v${version}`;

function decrypt(deps: AppDeps, s: Scope, row: SecretRow): string {
  const dk = deps.keyring.dataKey(s.project.id, s.project.wrappedKey);
  return open(dk, row.ciphertext as Buffer, aad(s, row.key, row.version)).toString('utf8');
}

export function registerSecretRoutes(app: FastifyInstance, deps: AppDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(`${base}/secrets`, { schema: { params: envParams } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.list');
    const secrets: SecretKeyView[] = (await deps.store.secrets.list((s.environment as { id: string }).id)).map((x) => ({
      key: x.key, version: x.version, updatedAt: x.updatedAt, updatedBy: x.updatedBy,
    }));
    return { secrets };
  });

  r.get(
    `${base}/secrets/:key`,
    { schema: { params: keyParams, querystring: versionQuery }, config: { audit: { event: 'SecretRead', resourceParam: 'key' } } },
    async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.read');
    const wanted = req.query.version;
    const row = await deps.store.secrets.get((s.environment as { id: string }).id, req.params.key, wanted);
    const where = `${s.project.slug}/${s.environment?.slug}`;
    if (!row) throw notFound(wanted === undefined ? `secret ${req.params.key} in ${where}` : `version ${wanted} of secret ${req.params.key} in ${where}`);
    if (row.deleted) {
      throw new AppError('not_found', wanted === undefined ? `secret ${req.params.key} in ${where} was deleted (version ${row.version}); earlier versions stay readable with ?version=N` : `version ${wanted} of ${req.params.key} is the deletion; read an earlier version`);
    }
    const value = decrypt(deps, s, row);
    // The read is recorded with the access row at onSend; if that commit fails the value never leaves.
    record(deps, req, { event: 'SecretRead', resource: row.key, details: { version: row.version } });
    const body: SecretView = { key: row.key, value, version: row.version, updatedAt: row.updatedAt };
    return body;
    },
  );

  r.get(`${base}/secrets/:key/versions`, { schema: { params: keyParams } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.list');
    const versions = await deps.store.secrets.listVersions((s.environment as { id: string }).id, req.params.key);
    if (versions.length === 0) throw notFound(`secret ${req.params.key} in ${s.project.slug}/${s.environment?.slug}`);
    return { key: req.params.key, versions };
  });

  r.put(
    `${base}/secrets/:key`,
    { schema: { params: keyParams, body: putSecretBody }, config: { audit: { event: 'SecretUpdated', resourceParam: 'key' } } },
    async (req) => {
      const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.write');
      const plain = Buffer.from(req.body.value, 'utf8');
      if (plain.length > MAX_SECRET_BYTES) {
        throw new AppError('payload_too_large', `the secret value is ${plain.length} bytes; the limit is ${MAX_SECRET_BYTES} bytes (64 KiB)`);
      }
      const dk = deps.keyring.dataKey(s.project.id, s.project.wrappedKey);
      const key = req.params.key;
      const by = s.facts.principal.actor.email ?? s.facts.principal.actor.id;
      const result = await commit(deps, req, async (tx) => {
        const out = await tx.secrets.put((s.environment as { id: string }).id, key, (v) => seal(dk, plain, aad(s, key, v)), deps.clock().toISOString(), by);
        record(deps, req, { event: out.created ? 'SecretCreated' : 'SecretUpdated', resource: key, details: { version: out.version, bytes: plain.length } });
        return out;
      });
      return { key, version: result.version, created: result.created };
    },
  );

  r.delete(`${base}/secrets/:key`, { schema: { params: keyParams }, config: { audit: { event: 'SecretDeleted', resourceParam: 'key' } } }, async (req, reply) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.write');
    const key = req.params.key;
    const by = s.facts.principal.actor.email ?? s.facts.principal.actor.id;
    const version = await commit(deps, req, async (tx) => {
      const v = await tx.secrets.delete((s.environment as { id: string }).id, key, deps.clock().toISOString(), by);
      if (v === null) throw notFound(`secret ${key} in ${s.project.slug}/${s.environment?.slug}`);
      record(deps, req, { event: 'SecretDeleted', resource: key, details: { version: v } });
      return v;
    });
    void version;
    return reply.code(204).send();
  });

  r.post(`${base}/pull`, { schema: { params: envParams }, config: { audit: { event: 'SecretsBulkPulled' } } }, async (req) => {
    const s = await authorizeScope(deps, req, req.params.project, req.params.env, 'secret.read');
    const rows = await deps.store.secrets.list((s.environment as { id: string }).id);
    const secrets: Record<string, string> = {};
    for (const row of rows) secrets[row.key] = decrypt(deps, s, row);
    record(deps, req, {
      event: 'SecretsBulkPulled',
      resource: s.environment?.slug ?? null,
      details: { count: rows.length, keys: rows.map((x) => x.key) },
    });
    const body: PullResponse = { projectSlug: s.project.slug, environmentSlug: s.environment?.slug as string, count: rows.length, secrets };
    return body;
  });
}
