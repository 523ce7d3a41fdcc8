import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { TrustDomainView, createTrustDomainBody, updateTrustDomainBody } from '../../contract/trust.js';
import type { UnitOfWork } from '../../audit/unit-of-work.js';
import type { Clock } from '../../kernel/clock.js';
import type { OpContext } from '../../kernel/context.js';
import { badRequest, conflict, notFound } from '../../kernel/errors.js';
import type { EnvScope, ScopeResolver } from '../../projects/scope.js';
import type { Store } from '../../store/ports.js';
import type { TrustDomainRow } from '../../store/types.js';
import { API_KEY_ACTIONS, authorize } from '../authorize.js';
import { requireUser } from '../authenticator.js';
import { fetchableUrl } from './issuer-keys.js';

/** Trust domains one environment may have. */
export const MAX_TRUST_DOMAINS = 50;

export type CreateTrustDomain = z.output<typeof createTrustDomainBody>;
export type UpdateTrustDomain = z.output<typeof updateTrustDomainBody>;

const view = (d: TrustDomainRow, s: EnvScope): TrustDomainView => ({
  name: d.name, projectSlug: s.project.slug, environmentSlug: s.environment.slug, oidcIssuerUrl: d.issuerUrl, claimRules: d.claimRules,
  acceptedAudiences: d.audiences, issuedTokenTtlMinutes: d.ttlMinutes, grantedRole: d.grantedRole, createdAt: d.createdAt, createdBy: d.createdBy, updatedAt: d.updatedAt,
});

/** What an entry says about a trust domain: everything but timestamps (no secret is part of one). */
const described = (d: TrustDomainRow) => ({
  oidcIssuerUrl: d.issuerUrl, claimRules: d.claimRules, acceptedAudiences: d.audiences, issuedTokenTtlMinutes: d.ttlMinutes, grantedRole: d.grantedRole,
});

/**
 * OIDC trust domains of an environment: which issuer's tokens, with which claims, may be exchanged
 * for a trust token, with which role and for how long. Managed by those who manage the environment's
 * credentials, and never granting more than they may do themselves (as API keys).
 */
export function createTrustDomainService(deps: {
  readonly store: Pick<Store, 'trustDomains'>;
  readonly scopes: ScopeResolver;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly allowHttpLoopback: boolean;
}) {
  const { store, scopes, uow, clock } = deps;

  const checkIssuer = (url: string) => {
    if (!fetchableUrl(url, deps.allowHttpLoopback)) {
      throw badRequest(
        `body.oidcIssuerUrl: must be an https URL${deps.allowHttpLoopback ? ' (http is accepted only for a loopback issuer: 127.0.0.1, ::1, localhost)' : ' (BELLA_OIDC_ALLOW_HTTP_LOOPBACK=false: http is never accepted)'}`,
      );
    }
  };
  const mayGrant = (s: EnvScope, role: TrustDomainRow['grantedRole']) => {
    for (const action of API_KEY_ACTIONS[role] ?? []) authorize(s.facts, action);
  };
  async function find(s: EnvScope, name: string): Promise<TrustDomainRow> {
    const d = await store.trustDomains.get(s.environment.id, name);
    if (!d) throw notFound(`trust domain ${name} in ${s.project.slug}/${s.environment.slug}`);
    return d;
  }

  return {
    async create(op: OpContext, project: string, environment: string, input: CreateTrustDomain): Promise<TrustDomainView> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      requireUser(s.facts.principal);
      mayGrant(s, input.grantedRole);
      checkIssuer(input.oidcIssuerUrl);
      if (await store.trustDomains.get(s.environment.id, input.name)) throw conflict(`trust domain ${input.name} already exists in ${s.project.slug}/${s.environment.slug}`);
      // Every exchange reads the environment's trust domains: keep the list short.
      if ((await store.trustDomains.list(s.environment.id)).length >= MAX_TRUST_DOMAINS) {
        throw conflict(`${s.project.slug}/${s.environment.slug} already has ${MAX_TRUST_DOMAINS} trust domains, the most an environment may have; delete one first`);
      }
      const at = clock().toISOString();
      const row: TrustDomainRow = {
        id: randomUUID(), projectId: s.project.id, environmentId: s.environment.id, name: input.name, issuerUrl: input.oidcIssuerUrl, claimRules: input.claimRules,
        audiences: input.acceptedAudiences, ttlMinutes: input.issuedTokenTtlMinutes, grantedRole: input.grantedRole, createdAt: at,
        createdBy: s.facts.principal.actor.email, updatedAt: at,
      };
      await uow.run(op, async (tx) => {
        await tx.trustDomains.insert(row);
        op.audit.record({ event: 'TrustDomainCreated', resource: row.name, details: described(row) });
      });
      return view(row, s);
    },

    async list(op: OpContext, project: string, environment: string): Promise<TrustDomainView[]> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      return (await store.trustDomains.list(s.environment.id)).map((d) => view(d, s));
    },

    async show(op: OpContext, project: string, environment: string, name: string): Promise<TrustDomainView> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      return view(await find(s, name), s);
    },

    async update(op: OpContext, project: string, environment: string, name: string, input: UpdateTrustDomain): Promise<TrustDomainView> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      requireUser(s.facts.principal);
      const before = await find(s, name);
      const after: TrustDomainRow = {
        ...before,
        issuerUrl: input.oidcIssuerUrl ?? before.issuerUrl,
        claimRules: input.claimRules ?? before.claimRules,
        audiences: input.acceptedAudiences ?? before.audiences,
        ttlMinutes: input.issuedTokenTtlMinutes ?? before.ttlMinutes,
        grantedRole: input.grantedRole ?? before.grantedRole,
        updatedAt: clock().toISOString(),
      };
      mayGrant(s, after.grantedRole);
      checkIssuer(after.issuerUrl);
      const b = described(before);
      const a = described(after);
      const changed = (Object.keys(a) as (keyof typeof a)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      if (changed.length === 0) return view(before, s);
      await uow.run(op, async (tx) => {
        if (!(await tx.trustDomains.update(after))) throw notFound(`trust domain ${name} in ${s.project.slug}/${s.environment.slug}`);
        op.audit.record({
          event: 'TrustDomainUpdated', resource: name,
          details: { changed, before: Object.fromEntries(changed.map((k) => [k, b[k]])), after: Object.fromEntries(changed.map((k) => [k, a[k]])) },
        });
      });
      return view(after, s);
    },

    /** Deletes a trust domain and revokes the trust tokens it issued that are still valid. */
    async delete(op: OpContext, project: string, environment: string, name: string): Promise<void> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      requireUser(s.facts.principal);
      const d = await find(s, name);
      await uow.run(op, async (tx) => {
        if (!(await tx.trustDomains.delete(d.id))) throw notFound(`trust domain ${name} in ${s.project.slug}/${s.environment.slug}`);
        const revoked = await tx.issuedTokens.revokeByTrustDomain(d.id, clock().toISOString(), s.facts.principal.actor.email, `trust domain ${name} deleted`);
        op.audit.record({ event: 'TrustDomainDeleted', resource: name, details: { ...described(d), trustTokensRevoked: revoked } });
      });
    },
  };
}

export type TrustDomainService = ReturnType<typeof createTrustDomainService>;
