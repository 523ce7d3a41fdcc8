import { randomBytes } from 'node:crypto';
import {
  type CredentialLeaseView, type IssueCredentialLeaseInput, type IssuedCredentialLease,
} from '../contract/credential-leases.js';
import { formatDuration } from '../contract/issued-tokens.js';
import { LEASE_DEFAULT_MAX_TTL_SECONDS, leasePolicyKey } from '../contract/leases.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import type { OpContext } from '../kernel/context.js';
import { badRequest, forbidden, notFound } from '../kernel/errors.js';
import type { EnvScope, ScopeResolver } from '../projects/scope.js';
import type { CredentialLeaseRow, Store } from '../store/ports.js';
import type { ProviderService } from './provider-service.js';
import { pgDynamic, pgMessage, type PgDynamicConfig } from './providers/postgres-dynamic.js';

/** Revocation attempts before a lease is marked irrevocable; the waits double from 5 s, at most 10 min (about 11 min in all). */
export const MAX_REVOKE_ATTEMPTS = 8;
const backoffMs = (attempt: number) => Math.min(600_000, 5000 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
const LIST_LIMIT = 1000;
const SWEEP_BATCH = 50;

export interface RevocationEngine {
  issue(c: PgDynamicConfig, expiration: Date): Promise<{ username: string; password: string }>;
  revoke(c: PgDynamicConfig, username: string): Promise<void>;
}

/**
 * Credential leases: a provider creates a database login for one lease (returned once, its password
 * never stored), and the login is removed when the lease is revoked or expires. LeaseRevoked and
 * LeaseExpired are written only once the database confirmed the login gone; a failed removal is
 * LeaseRevocationFailed, retried with backoff by the sweeper until it succeeds or is marked irrevocable.
 */
export function createCredentialLeaseService(deps: {
  readonly store: Pick<Store, 'credentialLeases' | 'providers' | 'settings' | 'projects'>;
  readonly scopes: ScopeResolver;
  readonly providers: Pick<ProviderService, 'load' | 'configOf'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly engine?: RevocationEngine;
}) {
  const { store, scopes, providers, uow, clock } = deps;
  const engine = deps.engine ?? pgDynamic;
  const now = () => clock().toISOString();
  const who = (op: OpContext) => op.principal.actor.email ?? `${op.principal.actor.type}:${op.principal.actor.id ?? op.principal.actor.name ?? ''}`;

  const statusOf = (r: CredentialLeaseRow, at: string): CredentialLeaseView['status'] => (r.state === 'active' && r.expiresAt <= at ? 'expired' : r.state);
  const view = async (r: CredentialLeaseRow, s?: EnvScope): Promise<CredentialLeaseView> => ({
    id: r.id, provider: r.providerName,
    projectSlug: s?.project.slug ?? (await store.projects.getById(r.projectId))?.slug ?? r.projectId,
    environmentSlug: s?.environment.slug ?? (await store.projects.getEnvironmentById(r.environmentId))?.slug ?? r.environmentId,
    username: r.username, reason: r.reason, status: statusOf(r, now()), issuedAt: r.createdAt, issuedBy: r.createdBy, expiresAt: r.expiresAt,
    revokedAt: r.revokedAt, revokedBy: r.revokedBy, revokeReason: r.revokeReason, attempts: r.attempts, lastError: r.lastError,
  });

  async function configFor(r: Pick<CredentialLeaseRow, 'providerName'>): Promise<PgDynamicConfig> {
    return providers.configOf<PgDynamicConfig>(await providers.load(r.providerName));
  }

  /**
   * Removes the lease's login, then records the outcome: LeaseRevoked / LeaseExpired once the database
   * confirmed, else LeaseRevocationFailed and the next attempt (or irrevocable after the last).
   */
  async function removeLogin(op: OpContext, r: CredentialLeaseRow, intent: { by: string | null; reason: string | null }): Promise<CredentialLeaseRow> {
    const scope = { projectSlug: (await store.projects.getById(r.projectId))?.slug ?? null, environmentSlug: (await store.projects.getEnvironmentById(r.environmentId))?.slug ?? null };
    const base = { provider: r.providerName, username: r.username, leaseReason: r.reason, expiresAt: r.expiresAt };
    let failure: string | null = null;
    try {
      await engine.revoke(await configFor(r), r.username);
    } catch (e) {
      failure = pgMessage(e);
    }
    const at = now();
    const expiry = intent.by === null;
    if (failure === null) {
      await uow.run(op, async (tx) => {
        const to = { state: 'revoked' as const, revokedAt: at, revokedBy: intent.by, revokeReason: intent.reason, attempts: r.attempts + 1, nextAttemptAt: null, lastError: null };
        if (!(await tx.credentialLeases.transition(r.id, ['active', 'revoking'], to))) return;
        op.audit.record({
          event: expiry ? 'LeaseExpired' : 'LeaseRevoked', resource: r.id, ...scope,
          details: expiry ? { ...base, loginRemoved: true } : { ...base, revokedBy: intent.by, reason: intent.reason, loginRemoved: true },
        });
      });
    } else {
      const attempts = r.attempts + 1;
      const final = attempts >= MAX_REVOKE_ATTEMPTS;
      const next = final ? null : new Date(clock().getTime() + backoffMs(attempts)).toISOString();
      await uow.run(op, async (tx) => {
        const to = { state: final ? ('irrevocable' as const) : ('revoking' as const), revokedAt: null, revokedBy: intent.by, revokeReason: intent.reason, attempts, nextAttemptAt: next, lastError: failure };
        if (!(await tx.credentialLeases.transition(r.id, ['active', 'revoking'], to))) return;
        op.audit.record({
          event: 'LeaseRevocationFailed', outcome: 'Success', resource: r.id, ...scope,
          details: { ...base, error: failure, attempt: attempts, maxAttempts: MAX_REVOKE_ATTEMPTS, final, nextAttemptAt: next, intent: expiry ? 'expiry' : 'revoke' },
        });
      });
    }
    return (await store.credentialLeases.get(r.id)) ?? r;
  }

  async function leaseIn(s: EnvScope, id: string): Promise<CredentialLeaseRow> {
    const r = await store.credentialLeases.get(id);
    if (!r || r.environmentId !== s.environment.id) throw notFound(`credential lease ${id} in ${s.project.slug}/${s.environment.slug}`);
    return r;
  }

  return {
    async issue(op: OpContext, project: string, environment: string, input: IssueCredentialLeaseInput): Promise<IssuedCredentialLease> {
      op.audit.setScope({ resource: input.provider });
      const s = await scopes.resolve(op, project, environment, 'secret.read');
      // A bax-lease token reads a few keys; it never mints database logins.
      if (s.facts.principal.kind === 'lease') throw forbidden('a lease cannot issue credential leases', 'lease_scope');
      const provider = await providers.load(input.provider).catch(() => {
        throw notFound(`provider ${input.provider}`);
      });
      if (provider.type !== 'PostgresDynamic') throw badRequest(`provider ${input.provider} is of type ${provider.type}, which issues no credentials`);
      if (!(await store.providers.isAssigned(provider.id, s.project.id, s.environment.id))) {
        throw forbidden(`provider ${input.provider} is not assigned to ${project}/${environment} (bella environments assign-provider ${input.provider})`, 'provider_not_assigned');
      }
      const raw = await store.settings.get(leasePolicyKey(s.environment.id));
      const maxTtl = raw === null ? LEASE_DEFAULT_MAX_TTL_SECONDS : (JSON.parse(raw) as { maxTtlSeconds: number }).maxTtlSeconds;
      if (input.ttlSeconds > maxTtl) {
        throw badRequest(`body.ttlSeconds: ${input.ttlSeconds} s (${formatDuration(input.ttlSeconds)}) is longer than the lease policy of ${project}/${environment} allows: at most ${maxTtl} s (${formatDuration(maxTtl)})`);
      }
      const issuedAt = clock();
      const expiresAt = new Date(issuedAt.getTime() + input.ttlSeconds * 1000);
      let cred: { username: string; password: string };
      try {
        cred = await engine.issue(providers.configOf<PgDynamicConfig>(provider), expiresAt);
      } catch (e) {
        throw badRequest(`provider ${input.provider} could not create a login: ${pgMessage(e)}`);
      }
      const row: CredentialLeaseRow = {
        id: `cl-${randomBytes(8).toString('hex')}`, providerId: provider.id, providerName: provider.name, projectId: s.project.id, environmentId: s.environment.id,
        username: cred.username, reason: input.reason, createdAt: issuedAt.toISOString(), createdBy: who(op), expiresAt: expiresAt.toISOString(),
        state: 'active', revokedAt: null, revokedBy: null, revokeReason: null, attempts: 0, nextAttemptAt: null, lastError: null,
      };
      try {
        await uow.run(op, async (tx) => {
          await tx.credentialLeases.insert(row);
          op.audit.record({
            event: 'LeaseIssued', resource: row.id,
            details: { provider: provider.name, username: cred.username, ttlSeconds: input.ttlSeconds, ttl: formatDuration(input.ttlSeconds), reason: input.reason, expiresAt: row.expiresAt },
          });
        });
      } catch (e) {
        // Not recorded, so it must not exist: remove the login before answering (fail-closed).
        await engine.revoke(providers.configOf<PgDynamicConfig>(provider), cred.username).catch(() => undefined);
        throw e;
      }
      return { ...(await view(row, s)), password: cred.password };
    },

    async list(op: OpContext, project: string, environment: string): Promise<CredentialLeaseView[]> {
      const s = await scopes.resolve(op, project, environment, 'secret.list');
      return Promise.all((await store.credentialLeases.list(s.environment.id, LIST_LIMIT)).map((r) => view(r, s)));
    },

    /** Revokes now (the issuer, or whoever manages the environment's keys). The answer says whether the login is gone. */
    async revoke(op: OpContext, project: string, environment: string, id: string, reason: string | null): Promise<CredentialLeaseView> {
      op.audit.setScope({ resource: id });
      const s = await scopes.resolve(op, project, environment, 'secret.list');
      const r = await leaseIn(s, id);
      if (r.createdBy !== who(op)) await scopes.resolve(op, project, environment, 'apikey.manage');
      if (r.state === 'revoked' || r.state === 'irrevocable') return view(r, s);
      return view(await removeLogin(op, r, { by: who(op), reason }), s);
    },

    /** One sweep (the worker): removes the logins of expired leases, retries failed removals that are due. */
    async sweep(op: OpContext): Promise<number> {
      let done = 0;
      for (const r of await store.credentialLeases.due(now(), SWEEP_BATCH)) {
        const after = await removeLogin(op, r, r.state === 'revoking' ? { by: r.revokedBy, reason: r.revokeReason } : { by: null, reason: 'expired' });
        if (after.state === 'revoked') done++;
      }
      return done;
    },

    /** Usernames of a provider's leases whose login should exist (bella providers check). */
    async liveUsernames(providerName: string): Promise<readonly string[]> {
      const p = await store.providers.getByName(providerName);
      return p ? store.credentialLeases.liveUsernames(p.id) : [];
    },
  };
}

export type CredentialLeaseService = ReturnType<typeof createCredentialLeaseService>;
