import { randomBytes } from 'node:crypto';
import { formatDuration } from '../../contract/issued-tokens.js';
import {
  LEASE_DEFAULT_MAX_TTL_SECONDS, leasePolicyKey as policyKey, type IssuedLease, type LeasePolicyView, type LeaseStatus, type LeaseView,
} from '../../contract/leases.js';
import type { UnitOfWork } from '../../audit/unit-of-work.js';
import { authorize } from '../authorize.js';
import { requireUser } from '../authenticator.js';
import { sha256hex } from '../tokens.js';
import type { Clock } from '../../kernel/clock.js';
import { type OpContext } from '../../kernel/context.js';
import { badRequest, notFound } from '../../kernel/errors.js';
import type { EnvScope, ScopeResolver } from '../../projects/scope.js';
import type { Store } from '../../store/ports.js';
import type { IssuedTokenRow } from '../../store/types.js';

/** Leases listed at most per environment (newest first). */
const LIST_LIMIT = 1000;
/** Expiries recorded per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 200;

export function leaseStatus(row: IssuedTokenRow, now: string): LeaseStatus {
  if (row.revokedAt) return 'revoked';
  return row.expiresAt <= now ? 'expired' : 'active';
}

const view = (row: IssuedTokenRow, s: { project: { slug: string }; environment: { slug: string } }, now: string): LeaseView => ({
  id: row.id,
  projectSlug: s.project.slug,
  environmentSlug: s.environment.slug,
  scope: row.scope ?? [],
  reason: row.reason,
  status: leaseStatus(row, now),
  issuedAt: row.createdAt,
  issuedBy: row.createdBy,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  revokedBy: row.revokedBy,
  revokeReason: row.revokeReason,
});

/**
 * Leases: short-lived, read-only `bax-lease-` tokens for a list of keys of one environment, handed out
 * by someone who manages the environment's credentials and may read those keys. Only the hash of a
 * lease's secret is stored; the authenticator looks the lease up on every request, so a revocation or
 * an expiry holds from the very next request on every node.
 */
export function createLeaseService(deps: {
  readonly store: Pick<Store, 'issuedTokens' | 'settings' | 'secrets' | 'projects'>;
  readonly scopes: ScopeResolver;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, uow, clock } = deps;
  const now = () => clock().toISOString();

  async function policyOf(environmentId: string): Promise<{ maxTtlSeconds: number; custom: boolean }> {
    const raw = await store.settings.get(policyKey(environmentId));
    if (raw === null) return { maxTtlSeconds: LEASE_DEFAULT_MAX_TTL_SECONDS, custom: false };
    return { maxTtlSeconds: (JSON.parse(raw) as { maxTtlSeconds: number }).maxTtlSeconds, custom: true };
  }

  async function leaseIn(s: EnvScope, id: string): Promise<IssuedTokenRow> {
    const row = await store.issuedTokens.get(id);
    if (!row || row.kind !== 'lease' || row.environmentId !== s.environment.id) throw notFound(`lease ${id} in ${s.project.slug}/${s.environment.slug}`);
    return row;
  }

  const by = (op: OpContext) => op.principal.actor.email ?? op.principal.actor.name;

  return {
    async issue(op: OpContext, project: string, environment: string, input: { scope: readonly string[]; ttlSeconds: number; reason: string }): Promise<IssuedLease> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      requireUser(s.facts.principal);
      // A lease never carries more than its issuer: reading the keys it names.
      authorize(s.facts, 'secret.read');
      const policy = await policyOf(s.environment.id);
      if (input.ttlSeconds > policy.maxTtlSeconds) {
        throw badRequest(
          `body.ttlSeconds: ${input.ttlSeconds} s (${formatDuration(input.ttlSeconds)}) is longer than the lease policy of ${s.project.slug}/${s.environment.slug} allows: at most ${policy.maxTtlSeconds} s (${formatDuration(policy.maxTtlSeconds)})`,
        );
      }
      const live = new Set((await store.secrets.list(s.environment.id)).map((x) => x.key));
      const missing = input.scope.filter((k) => !live.has(k));
      if (missing.length > 0) throw notFound(`secret ${missing.join(', ')} in ${s.project.slug}/${s.environment.slug}`);
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(24).toString('hex');
      const issuedAt = clock();
      const row: IssuedTokenRow = {
        id, kind: 'lease', projectId: s.project.id, environmentId: s.environment.id, tokenHash: sha256hex(secret), role: 'CONSUMER',
        scope: [...input.scope], reason: input.reason, trustDomainId: null, trustDomainName: null, issuer: null, subject: null,
        createdAt: issuedAt.toISOString(), createdBy: by(op), expiresAt: new Date(issuedAt.getTime() + input.ttlSeconds * 1000).toISOString(),
        revokedAt: null, revokedBy: null, revokeReason: null, expiryRecordedAt: null,
      };
      await uow.run(op, async (tx) => {
        await tx.issuedTokens.insert(row);
        op.audit.record({
          event: 'LeaseIssued', resource: id,
          details: { scope: row.scope, ttlSeconds: input.ttlSeconds, ttl: formatDuration(input.ttlSeconds), reason: input.reason, expiresAt: row.expiresAt },
        });
      });
      return { ...view(row, s, now()), token: `bax-lease-${id}-${secret}` };
    },

    async list(op: OpContext, project: string, environment: string, status?: LeaseStatus): Promise<LeaseView[]> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      const at = now();
      const all = (await store.issuedTokens.list(s.environment.id, 'lease', LIST_LIMIT)).map((r) => view(r, s, at));
      return status ? all.filter((l) => l.status === status) : all;
    },

    /** Revokes one lease; revoking a lease that already ended changes (and records) nothing. */
    async revoke(op: OpContext, project: string, environment: string, id: string, reason: string | null): Promise<LeaseView> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      const row = await leaseIn(s, id);
      const at = now();
      if (leaseStatus(row, at) !== 'active') return view(row, s, at);
      await uow.run(op, async (tx) => {
        if (!(await tx.issuedTokens.revoke(id, at, by(op), reason))) return; // a concurrent revoke won
        op.audit.record({ event: 'LeaseRevoked', resource: id, details: { revokedBy: by(op), reason, scope: row.scope, expiresAt: row.expiresAt } });
      });
      return view((await store.issuedTokens.get(id)) ?? row, s, now());
    },

    /** Ends every active lease of the environment now: one LeaseRevoked per lease. */
    async expireAll(op: OpContext, project: string, environment: string, reason: string | null): Promise<{ revoked: string[] }> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      const revoked: string[] = [];
      await uow.run(op, async (tx) => {
        const at = now();
        for (const row of await tx.issuedTokens.listActive(s.environment.id, 'lease', at)) {
          if (!(await tx.issuedTokens.revoke(row.id, at, by(op), reason))) continue;
          revoked.push(row.id);
          op.audit.record({ event: 'LeaseRevoked', resource: row.id, details: { revokedBy: by(op), reason, scope: row.scope, expiresAt: row.expiresAt, expireAll: true } });
        }
      });
      return { revoked };
    },

    async policy(op: OpContext, project: string, environment: string): Promise<LeasePolicyView> {
      const s = await scopes.resolve(op, project, environment, 'secret.list');
      return { projectSlug: s.project.slug, environmentSlug: s.environment.slug, ...(await policyOf(s.environment.id)) };
    },

    async setPolicy(op: OpContext, project: string, environment: string, maxTtlSeconds: number): Promise<LeasePolicyView> {
      const s = await scopes.resolve(op, project, environment, 'apikey.manage');
      requireUser(s.facts.principal);
      const before = await policyOf(s.environment.id);
      await uow.run(op, async (tx) => {
        await tx.settings.set(policyKey(s.environment.id), JSON.stringify({ maxTtlSeconds }));
        op.audit.record({
          event: 'LeasePolicyChanged', resource: s.environment.slug,
          details: { maxTtlSeconds, maxTtl: formatDuration(maxTtlSeconds), previousMaxTtlSeconds: before.maxTtlSeconds },
        });
      });
      return { projectSlug: s.project.slug, environmentSlug: s.environment.slug, maxTtlSeconds, custom: true };
    },

    /**
     * Records LeaseExpired (System) for every lease whose expiry has passed and is not recorded yet,
     * each in its own unit: the mark and the entry commit together, and of two nodes sweeping at once
     * only the one whose mark lands records it. Returns how many were recorded.
     */
    async recordExpiries(op: OpContext): Promise<number> {
      let recorded = 0;
      const slugs = new Map<string, string>();
      const slugOf = async (kind: 'p' | 'e', id: string) => {
        const k = `${kind}:${id}`;
        if (!slugs.has(k)) {
          const row = kind === 'p' ? await store.projects.getById(id) : await store.projects.getEnvironmentById(id);
          slugs.set(k, row?.slug ?? '');
        }
        return slugs.get(k) || null;
      };
      for (const row of await store.issuedTokens.dueForExpiry(now(), SWEEP_BATCH)) {
        const projectSlug = await slugOf('p', row.projectId);
        const environmentSlug = await slugOf('e', row.environmentId);
        const done = await uow.run(op, async (tx) => {
          if (!(await tx.issuedTokens.markExpiryRecorded(row.id, now()))) return false;
          op.audit.record({
            event: 'LeaseExpired', resource: row.id, projectSlug, environmentSlug,
            details: { expiresAt: row.expiresAt, scope: row.scope, issuedBy: row.createdBy, reason: row.reason },
          });
          return true;
        });
        if (done) recorded++;
      }
      return recorded;
    },
  };
}

export type LeaseService = ReturnType<typeof createLeaseService>;
