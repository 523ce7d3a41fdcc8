import type { AccessGrant, AccessReviewSummary, AccessReviewView, DecideBody, GrantDecision } from '../contract/access-review.js';
import { UNUSED_DAYS } from '../contract/access-review.js';
import type { AuditEntry } from '../contract/entries.js';
import { uuidv7 } from '../audit/ids.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { ApiKeyService } from '../identity/api-key-service.js';
import type { TrustDomainService } from '../identity/trust/trust-domain-service.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, conflict, DomainError, notFound } from '../kernel/errors.js';
import type { MemberService } from '../projects/member-service.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';

/** The largest population a review freezes (it is kept in one Audit Log entry). */
export const MAX_GRANTS = 2000;
const DAY = 86_400_000;
const USE_EVENTS = ['SecretRead', 'SecretsBulkPulled'] as const;

export interface AccessReviewDeps {
  readonly store: Pick<Store, 'auditLog' | 'members' | 'projects' | 'apiKeys' | 'trustDomains' | 'users'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly scopes: ScopeResolver;
  readonly members: Pick<MemberService, 'remove'>;
  readonly apiKeys: Pick<ApiKeyService, 'revoke'>;
  readonly trustDomains: Pick<TrustDomainService, 'delete'>;
}

const resourceOf = (id: string) => `access-review:${id}`;

/**
 * Access reviews. The population (every grant with its last use) is frozen into the review's
 * AccessReviewStarted entry, and each decision is an AccessReviewDecided entry: the review lives in
 * the verifiable Audit Log itself, so neither what was reviewed nor what was decided can be edited
 * afterwards without `bella audit verify` noticing. A revoke decision is carried out at once through
 * the owning service (MemberRemoved, ApiKeyRevoked, TrustDomainDeleted, same request id).
 */
export function createAccessReviewService(deps: AccessReviewDeps) {
  const { store, uow, clock } = deps;

  async function lastUse(project: string, environment: string | null, actor: string, actorType: 'User' | 'ApiKey' | 'TrustToken'): Promise<string | null> {
    const e = await store.auditLog.query({ project, environment: environment ?? undefined, actor, actorType, events: [...USE_EVENTS], outcome: 'Success' }, 1);
    return e[0]?.timestamp ?? null;
  }

  async function population(projectSlug: string): Promise<Omit<AccessGrant, 'n'>[]> {
    const project = await store.projects.getBySlug(projectSlug);
    if (!project) throw notFound(`project ${projectSlug}`);
    const envs = await store.projects.listEnvironments(project.id);
    const envSlug = new Map(envs.map((e) => [e.id, e.slug]));
    const now = clock().getTime();
    const unused = (at: string | null) => at === null || now - Date.parse(at) > UNUSED_DAYS * DAY;
    const out: Omit<AccessGrant, 'n'>[] = [];
    const granted = await grantTimes(projectSlug);
    for (const m of await store.members.listOfProject(project.id)) {
      const env = m.environmentId ? (envSlug.get(m.environmentId) ?? null) : null;
      const at = await lastUse(projectSlug, env, m.email, 'User');
      out.push({ grantId: `member:${m.userId}:${env ?? '*'}`, kind: 'member', subject: m.email, role: m.role, environment: env, grantedAt: granted.get(`${m.email}|${env ?? '*'}`) ?? null, lastUsedAt: at, unused: unused(at) });
    }
    for (const e of envs) {
      for (const k of await store.apiKeys.list(project.id, e.id)) {
        if (k.revokedAt) continue;
        const at = await lastUse(projectSlug, e.slug, k.id, 'ApiKey');
        out.push({ grantId: `apiKey:${k.id}`, kind: 'apiKey', subject: `${k.name} (${k.id})`, role: k.role, environment: e.slug, grantedAt: k.createdAt, lastUsedAt: at, unused: unused(at) });
      }
      for (const d of await store.trustDomains.list(e.id)) {
        const at = await lastUse(projectSlug, e.slug, d.name, 'TrustToken');
        out.push({ grantId: `trustDomain:${e.slug}:${d.name}`, kind: 'trustDomain', subject: `${d.name} (${d.issuerUrl})`, role: d.grantedRole, environment: e.slug, grantedAt: d.createdAt, lastUsedAt: at, unused: unused(at) });
      }
    }
    return out;
  }

  /** When each membership was last granted (MemberAdded/MemberRoleChanged), as far as the log reaches. */
  async function grantTimes(project: string): Promise<Map<string, string>> {
    const rows = await store.auditLog.query({ project, events: ['MemberAdded', 'MemberRoleChanged'], outcome: 'Success' }, 5000);
    const m = new Map<string, string>();
    for (const e of rows) {
      const k = `${e.resource ?? ''}|${e.environmentSlug ?? '*'}`;
      if (!m.has(k)) m.set(k, e.timestamp);
    }
    return m;
  }

  async function entriesOf(project: string, id: string): Promise<{ start: AuditEntry; decisions: AuditEntry[] }> {
    const rows = await store.auditLog.query({ project, resource: resourceOf(id), events: ['AccessReviewStarted', 'AccessReviewDecided'], outcome: 'Success' }, MAX_GRANTS * 4);
    const start = rows.find((e) => e.event === 'AccessReviewStarted');
    if (!start) throw notFound(`access review ${id} in ${project}`);
    return { start, decisions: rows.filter((e) => e.event === 'AccessReviewDecided').reverse() };
  }

  function viewOf(project: string, start: AuditEntry, decisions: readonly AuditEntry[]): AccessReviewView {
    const d = start.details as { reviewId: string; grants: AccessGrant[]; unusedDays?: number };
    const byGrant = new Map<string, GrantDecision>();
    for (const e of decisions) {
      const x = e.details as { grantId: string; decision: 'keep' | 'revoke'; rationale: string; revocation?: GrantDecision['revocation'] };
      byGrant.set(x.grantId, { decision: x.decision, rationale: x.rationale, decidedBy: e.actor.email ?? e.actor.name, decidedAt: e.timestamp, revocation: x.revocation ?? null });
    }
    const grants = d.grants.map((g) => ({ ...g, decision: byGrant.get(g.grantId) ?? null }));
    return { id: d.reviewId, project, startedAt: start.timestamp, startedBy: start.actor.email ?? start.actor.name, unusedDays: d.unusedDays ?? UNUSED_DAYS, grants, decided: grants.filter((g) => g.decision).length, total: grants.length };
  }

  async function revoke(op: OpContext, project: string, g: AccessGrant): Promise<GrantDecision['revocation']> {
    try {
      if (g.kind === 'member') await deps.members.remove(op, project, g.environment, g.subject);
      else if (g.kind === 'apiKey') await deps.apiKeys.revoke(op, g.grantId.slice('apiKey:'.length));
      else await deps.trustDomains.delete(op, project, g.environment as string, g.grantId.split(':').slice(2).join(':'));
      return 'revoked';
    } catch (e) {
      if (e instanceof DomainError && e.code === 'not_found') return 'already_gone';
      throw e;
    }
  }

  return {
    async start(op: OpContext, project: string): Promise<AccessReviewView> {
      op.audit.setScope({ projectSlug: project });
      await deps.scopes.resolve(op, project, null, 'member.manage');
      const grants = (await population(project)).map((g, i) => ({ n: i + 1, ...g }));
      if (grants.length > MAX_GRANTS) throw badRequest(`the project has ${grants.length} grants; a review holds at most ${MAX_GRANTS}`);
      const id = uuidv7();
      op.audit.record({ event: 'AccessReviewStarted', projectSlug: project, environmentSlug: null, resource: resourceOf(id), details: { reviewId: id, unusedDays: UNUSED_DAYS, grants } });
      await uow.run(op);
      const { start, decisions } = await entriesOf(project, id);
      return viewOf(project, start, decisions);
    },

    async list(op: OpContext, project: string): Promise<{ reviews: AccessReviewSummary[] }> {
      await deps.scopes.resolve(op, project, null, 'logs.read');
      const starts = await store.auditLog.query({ project, events: ['AccessReviewStarted'], outcome: 'Success' }, 200);
      const reviews: AccessReviewSummary[] = [];
      for (const s of starts) {
        const id = (s.details as { reviewId: string }).reviewId;
        const v = viewOf(project, s, (await entriesOf(project, id)).decisions);
        reviews.push({ id, startedAt: v.startedAt, startedBy: v.startedBy, total: v.total, decided: v.decided });
      }
      return { reviews };
    },

    async show(op: OpContext, project: string, id: string): Promise<AccessReviewView> {
      await deps.scopes.resolve(op, project, null, 'logs.read');
      const { start, decisions } = await entriesOf(project, id);
      return viewOf(project, start, decisions);
    },

    /** Records one decision (audited); a revoke is carried out first, so the entry says what happened. */
    async decide(op: OpContext, project: string, id: string, body: DecideBody): Promise<AccessReviewView> {
      op.audit.setScope({ projectSlug: project, resource: resourceOf(id) });
      await deps.scopes.resolve(op, project, null, 'member.manage');
      const { start, decisions } = await entriesOf(project, id);
      const view = viewOf(project, start, decisions);
      const g = view.grants.find((x) => (typeof body.grant === 'number' ? x.n === body.grant : x.grantId === body.grant));
      if (!g) throw notFound(`grant ${JSON.stringify(String(body.grant).slice(0, 80))} in access review ${id}`);
      if (g.decision) throw conflict(`grant ${g.n} (${g.subject}) was already decided: ${g.decision.decision} by ${g.decision.decidedBy ?? '?'} at ${g.decision.decidedAt}`);
      const actor = authenticated(op).actor;
      if (body.decision === 'revoke' && g.kind === 'member' && actor.email === g.subject) throw badRequest('a reviewer cannot revoke their own membership in a review; ask another owner');
      const revocation = body.decision === 'revoke' ? await revoke(op, project, g) : null;
      op.audit.record({
        event: 'AccessReviewDecided',
        projectSlug: project,
        environmentSlug: g.environment,
        resource: resourceOf(id),
        details: { reviewId: id, grantId: g.grantId, grant: `${g.kind} ${g.subject} ${g.role}${g.environment ? ` in ${g.environment}` : ''}`, decision: body.decision, rationale: body.rationale, lastUsedAt: g.lastUsedAt, unused: g.unused, revocation },
      });
      await uow.run(op);
      const after = await entriesOf(project, id);
      return viewOf(project, after.start, after.decisions);
    },
  };
}

export type AccessReviewService = ReturnType<typeof createAccessReviewService>;
