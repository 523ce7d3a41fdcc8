import { MAX_SECRET_BYTES, type EnvironmentSecrets, type EnvironmentVersion, type PullResponse, type SecretKeyView, type SecretView } from '../contract/api.js';
import type { SecretVersionRow } from '../store/types.js';
import type { Clock } from '../kernel/clock.js';
import type { OpContext } from '../kernel/context.js';
import { DomainError, forbidden, notFound } from '../kernel/errors.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { EnvScope, ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';
import type { SecretRow } from '../store/types.js';
import { open, seal, type KeyRing } from './envelope.js';

/** Which secret: project, environment and key, by slug and name. */
export interface SecretRef {
  readonly project: string;
  readonly environment: string;
  readonly key: string;
}

/** How a read's values leave: end-to-end encrypted to the caller's key (X-E2E-Public-Key) or not. The entry says which. */
export interface ReadOptions {
  readonly e2ee?: boolean;
}

export interface SecretServiceDeps {
  readonly store: Pick<Store, 'secrets'>;
  readonly scopes: ScopeResolver;
  readonly keyring: KeyRing;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}

/**
 * A lease reads only the keys of its scope (the other principals are not limited per key). The refusal
 * is a 403 lease_scope, recorded as Denied under the route's event.
 */
function checkKey(s: EnvScope, key: string): void {
  const p = s.facts.principal;
  if (p.kind === 'lease' && !(p.token.scope ?? []).includes(key)) {
    throw forbidden(`this lease does not cover ${key}: it may read ${(p.token.scope ?? []).join(', ')}`, 'lease_scope');
  }
}
/** The keys a principal may see: a lease sees only its scope. */
const visible = (s: EnvScope) => {
  const p = s.facts.principal;
  if (p.kind !== 'lease') return () => true;
  const scope = new Set(p.token.scope ?? []);
  return (row: { key: string }) => scope.has(row.key);
};

/** AAD binds a ciphertext to its project, environment, key and version. */
const aad = (s: EnvScope, key: string, version: number) => `${s.project.id}/${s.environment.id}/${key}/v${version}`;
const where = (s: EnvScope) => `${s.project.slug}/${s.environment.slug}`;

/**
 * Secret values: sealed under the project's data key, versioned, and never in a log. Reads queue
 * their SecretRead / SecretsBulkPulled entry on the operation: the value may be used only once that
 * entry is durable (HTTP flushes it with the access row before the response leaves; a worker calls
 * readDurably, or uow.run(op) itself).
 */
export function createSecretService(deps: SecretServiceDeps) {
  const { store, scopes, keyring, uow, clock } = deps;
  const decrypt = (s: EnvScope, row: SecretRow): string =>
    open(keyring.dataKey(s.project.id, s.project.wrappedKey), row.ciphertext as Buffer, aad(s, row.key, row.version)).toString('utf8');
  const by = (s: EnvScope) => s.facts.principal.actor.email ?? s.facts.principal.actor.id;

  // The sum of the current versions of every key (deleted ones included) grows by one with every write.
  const stampOf = async (s: EnvScope) => {
    const st = await store.secrets.stamp(s.environment.id);
    return { version: st.version, lastModified: st.lastModified ?? s.environment.createdAt };
  };

  /** Every live value of an environment, its SecretsBulkPulled entry queued (durable before the values leave). */
  async function bulk(op: OpContext, project: string, environment: string, opts: ReadOptions) {
    const s = await scopes.resolve(op, project, environment, 'secret.read');
    // The version first: if a write lands in between, the caller holds newer values than the version
    // says and simply fetches again, never older values under a newer version.
    const stamp = await stampOf(s);
    // A lease pulls only the keys of its scope.
    const rows = (await store.secrets.list(s.environment.id)).filter(visible(s));
    // No prototype: a secret named __proto__ (a valid key) must be an own entry, not a prototype change.
    const secrets: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const row of rows) secrets[row.key] = decrypt(s, row);
    op.audit.record({ event: 'SecretsBulkPulled', resource: s.environment.slug, details: { count: rows.length, keys: rows.map((x) => x.key), e2ee: opts.e2ee === true } });
    return { s, secrets, count: rows.length, stamp };
  }

  const service = {
    async list(op: OpContext, project: string, environment: string): Promise<SecretKeyView[]> {
      const s = await scopes.resolve(op, project, environment, 'secret.list');
      return (await store.secrets.list(s.environment.id)).filter(visible(s)).map((x) => ({ key: x.key, version: x.version, updatedAt: x.updatedAt, updatedBy: x.updatedBy }));
    },

    async read(op: OpContext, ref: SecretRef, version?: number, opts: ReadOptions = {}): Promise<SecretView> {
      const s = await scopes.resolve(op, ref.project, ref.environment, 'secret.read');
      checkKey(s, ref.key);
      const row = await store.secrets.get(s.environment.id, ref.key, version);
      if (!row) throw notFound(version === undefined ? `secret ${ref.key} in ${where(s)}` : `version ${version} of secret ${ref.key} in ${where(s)}`);
      if (row.deleted) {
        throw new DomainError(
          'not_found',
          version === undefined
            ? `secret ${ref.key} in ${where(s)} was deleted (version ${row.version}); earlier versions stay readable with ?version=N`
            : `version ${version} of ${ref.key} is the deletion; read an earlier version`,
        );
      }
      const value = decrypt(s, row);
      op.audit.record({ event: 'SecretRead', resource: row.key, details: { version: row.version, e2ee: opts.e2ee === true } });
      return { key: row.key, value, version: row.version, updatedAt: row.updatedAt };
    },

    /** read, with its SecretRead entry durable before the value is returned (for workers). */
    async readDurably(op: OpContext, ref: SecretRef, version?: number): Promise<SecretView> {
      const v = await service.read(op, ref, version);
      await uow.run(op);
      return v;
    },

    async versions(op: OpContext, ref: SecretRef): Promise<SecretVersionRow[]> {
      const s = await scopes.resolve(op, ref.project, ref.environment, 'secret.list');
      checkKey(s, ref.key);
      const versions = await store.secrets.listVersions(s.environment.id, ref.key);
      if (versions.length === 0) throw notFound(`secret ${ref.key} in ${where(s)}`);
      return versions;
    },

    async put(op: OpContext, ref: SecretRef, value: string): Promise<{ key: string; version: number; created: boolean }> {
      const s = await scopes.resolve(op, ref.project, ref.environment, 'secret.write');
      const plain = Buffer.from(value, 'utf8');
      if (plain.length > MAX_SECRET_BYTES) {
        throw new DomainError('payload_too_large', `the secret value is ${plain.length} bytes; the limit is ${MAX_SECRET_BYTES} bytes (64 KiB)`);
      }
      const dk = keyring.dataKey(s.project.id, s.project.wrappedKey);
      const out = await uow.run(op, async (tx) => {
        const r = await tx.secrets.put(s.environment.id, ref.key, (v) => seal(dk, plain, aad(s, ref.key, v)), clock().toISOString(), by(s));
        op.audit.record({ event: r.created ? 'SecretCreated' : 'SecretUpdated', resource: ref.key, details: { version: r.version, bytes: plain.length } });
        return r;
      });
      return { key: ref.key, version: out.version, created: out.created };
    },

    async delete(op: OpContext, ref: SecretRef): Promise<void> {
      const s = await scopes.resolve(op, ref.project, ref.environment, 'secret.write');
      await uow.run(op, async (tx) => {
        const v = await tx.secrets.delete(s.environment.id, ref.key, clock().toISOString(), by(s));
        if (v === null) throw notFound(`secret ${ref.key} in ${where(s)}`);
        op.audit.record({ event: 'SecretDeleted', resource: ref.key, details: { version: v } });
      });
    },

    async pull(op: OpContext, project: string, environment: string, opts: ReadOptions = {}): Promise<PullResponse> {
      const { s, secrets, count } = await bulk(op, project, environment, opts);
      return { projectSlug: s.project.slug, environmentSlug: s.environment.slug, count, secrets };
    },

    /** Every value of the environment in the SDK's shape (GET …/secrets), audited as a bulk pull. */
    async all(op: OpContext, project: string, environment: string, opts: ReadOptions = {}): Promise<EnvironmentSecrets> {
      const { s, secrets, stamp } = await bulk(op, project, environment, opts);
      return { environmentSlug: s.environment.slug, environmentName: s.environment.name, secrets, version: stamp.version, lastModified: stamp.lastModified };
    },

    /** The environment's version (changes with every write) for cheap polling; reads no value, records no entry. */
    async version(op: OpContext, project: string, environment: string): Promise<EnvironmentVersion> {
      const s = await scopes.resolve(op, project, environment, 'secret.list');
      const stamp = await stampOf(s);
      return { environmentSlug: s.environment.slug, ...stamp };
    },
  };
  return service;
}

export type SecretService = ReturnType<typeof createSecretService>;
