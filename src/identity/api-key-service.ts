import type { ApiKeyView, CreatedApiKey, KeyContext } from '../contract/api.js';
import type { ApiKeyRole } from '../contract/roles.js';
import { deriveSigningKey, sdkSigningKey } from '../contract/signing.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, scopedCredential, type OpContext } from '../kernel/context.js';
import { forbidden, notFound } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { ApiKeyRow } from '../store/types.js';
import { SDK_KEY_PURPOSE } from './authenticator.js';
import { API_KEY_ACTIONS, authorize } from './authorize.js';
import { newApiKeyParts, sha256hex } from './tokens.js';

const view = (k: ApiKeyRow, projectSlug: string, environmentSlug: string): ApiKeyView => ({
  id: k.id, name: k.name, role: k.role, projectSlug, environmentSlug, createdAt: k.createdAt, createdBy: k.createdBy, revokedAt: k.revokedAt,
});

/** API keys of one environment: `bax-{id}-{secret}`, only a hash of the secret kept. */
export function createApiKeyService(deps: {
  readonly store: Pick<Store, 'apiKeys' | 'projects'>;
  readonly scopes: ScopeResolver;
  readonly keyring: KeyRing;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, keyring, uow, clock } = deps;
  return {
    async create(op: OpContext, project: string, environment: string, input: { name: string; role: ApiKeyRole }): Promise<CreatedApiKey> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      // A key never carries more than its creator may do: a CONSUMER key needs the right to read the
      // environment's secrets, an AUDITOR key the right to read the project's logs. So the instance
      // admin reads secret values only through a membership (break-glass, audited as MemberAdded).
      for (const action of API_KEY_ACTIONS[input.role] ?? []) authorize(s.facts, action);
      const { id, secret } = newApiKeyParts();
      const row: ApiKeyRow = {
        id, projectId: s.project.id, environmentId: s.environment.id, name: input.name, role: input.role, secretHash: sha256hex(secret),
        wrappedSigningKey: keyring.sealInstance(deriveSigningKey(secret), `api-key-signing:${id}`),
        wrappedSdkKey: keyring.sealInstance(sdkSigningKey(secret), `${SDK_KEY_PURPOSE}${id}`),
        createdAt: clock().toISOString(), createdBy: s.facts.principal.actor.email, revokedAt: null,
      };
      await uow.run(op, async (tx) => {
        await tx.apiKeys.insert(row);
        op.audit.record({ event: 'ApiKeyCreated', resource: id, details: { name: row.name, role: row.role } });
      });
      return { ...view(row, s.project.slug, s.environment.slug), key: `bax-${id}-${secret}` };
    },

    /** The calling credential's own scope (GET /api/v1/keys/me): an API key, a lease or a trust token; a user session is refused. */
    me(op: OpContext): KeyContext {
      const c = scopedCredential(authenticated(op));
      if (!c) throw forbidden('GET /api/v1/keys/me describes the calling API key, lease or trust token; a user session has none (see GET /api/v1/auth/whoami)', 'api_key_required');
      return { keyId: c.id, role: c.role, projectSlug: c.projectSlug, environmentSlug: c.environmentSlug, kind: c.kind, expiresAt: c.expiresAt };
    },

    async list(op: OpContext, project: string, environment: string): Promise<ApiKeyView[]> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      return (await store.apiKeys.list(s.project.id, s.environment.id)).map((k) => view(k, s.project.slug, s.environment.slug));
    },

    /** Revokes a key by id; revoking an already revoked key changes (and records) nothing. */
    async revoke(op: OpContext, id: string): Promise<void> {
      authenticated(op); // before the lookup, so an anonymous caller cannot probe which key ids exist
      const key = await store.apiKeys.get(id);
      if (!key) throw notFound(`API key ${id}`);
      const project = await store.projects.getById(key.projectId);
      const env = await store.projects.getEnvironmentById(key.environmentId);
      if (!project || !env) throw notFound(`API key ${id}`);
      // A refusal names the key it tried to revoke, as the revocation itself would.
      op.audit.setScope({ projectSlug: project.slug, environmentSlug: env.slug, details: { name: key.name, role: key.role } });
      await scopes.resolve(op, project.slug, env.slug, 'apikey.manage');
      if (key.revokedAt) return;
      await uow.run(op, async (tx) => {
        if (!(await tx.apiKeys.revoke(key.id, clock().toISOString()))) return; // a concurrent revoke won
        op.audit.record({ event: 'ApiKeyRevoked', resource: key.id, details: { name: key.name, role: key.role } });
      });
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
