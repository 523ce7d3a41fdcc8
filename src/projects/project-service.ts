import { randomUUID } from 'node:crypto';
import type { EnvironmentView, ProjectView } from '../contract/api.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import { requireUser } from '../identity/authenticator.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { conflict } from '../kernel/errors.js';
import { newDataKey, type KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { EnvironmentRow, ProjectRow } from '../store/types.js';
import type { ScopeResolver } from './scope.js';

const envView = (e: EnvironmentRow): EnvironmentView => ({ slug: e.slug, name: e.name, createdAt: e.createdAt, restricted: e.restricted });
const projectView = (p: ProjectRow, role: string | null): ProjectView => ({ slug: p.slug, name: p.name, createdAt: p.createdAt, role });

/** Projects and environments. The creator of a project becomes its OWNER in the same unit. */
export function createProjectService(deps: {
  readonly store: Pick<Store, 'projects' | 'members'>;
  readonly scopes: ScopeResolver;
  readonly keyring: KeyRing;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, keyring, uow, clock } = deps;
  return {
    async create(op: OpContext, input: { slug: string; name: string }): Promise<ProjectView> {
      op.audit.setScope({ projectSlug: input.slug, resource: input.slug });
      const p = requireUser(authenticated(op));
      if (await store.projects.getBySlug(input.slug)) throw conflict(`project ${input.slug} already exists`);
      const id = randomUUID();
      const row: ProjectRow = { id, slug: input.slug, name: input.name, wrappedKey: keyring.wrap(newDataKey(), id), createdAt: clock().toISOString() };
      await uow.run(op, async (tx) => {
        await tx.projects.insert(row);
        await tx.members.upsert(id, null, p.user.id, 'OWNER');
        op.audit.record({ event: 'ProjectCreated', resource: input.slug, details: { name: input.name } });
        op.audit.record({ event: 'MemberAdded', resource: p.user.email, details: { role: 'OWNER', reason: 'project creator' } });
      });
      return projectView(row, 'OWNER');
    },

    /** The projects the caller is a member of (every project for the instance admin). */
    async list(op: OpContext): Promise<ProjectView[]> {
      const p = requireUser(authenticated(op));
      const all = await store.projects.list();
      const mine = await store.members.listOfUser(p.user.id);
      return all
        .filter((x) => p.user.admin || mine.some((m) => m.projectId === x.id))
        .map((x) => projectView(x, mine.find((m) => m.projectId === x.id && m.environmentId === null)?.role ?? null));
    },

    async get(op: OpContext, project: string): Promise<ProjectView> {
      const s = await scopes.resolve(op, project, null, 'project.read');
      return projectView(s.project, s.facts.projectRole);
    },

    async createEnvironment(op: OpContext, project: string, input: { slug: string; name: string }): Promise<EnvironmentView> {
      op.audit.setScope({ resource: input.slug });
      const s = await scopes.resolve(op, project, null, 'environment.create');
      if (await store.projects.getEnvironment(s.project.id, input.slug)) throw conflict(`environment ${input.slug} already exists in project ${s.project.slug}`);
      const row: EnvironmentRow = { id: randomUUID(), projectId: s.project.id, slug: input.slug, name: input.name, createdAt: clock().toISOString(), restricted: false };
      await uow.run(op, async (tx) => {
        await tx.projects.insertEnvironment(row);
        op.audit.record({ event: 'EnvironmentCreated', environmentSlug: row.slug, resource: row.slug, details: { name: row.name } });
      });
      return envView(row);
    },

    /**
     * Restricts an environment to its own members, or lifts the restriction (an OWNER,
     * PROJECT_MANAGER or the admin): removing its last member never lifts it silently.
     */
    async setRestriction(op: OpContext, project: string, environment: string, restricted: boolean): Promise<EnvironmentView> {
      const s = await scopes.resolve(op, project, environment, 'member.manage');
      await uow.run(op, async (tx) => {
        if (!(await tx.projects.setRestricted(s.environment.id, restricted))) return;
        op.audit.record({ event: 'RestrictionChanged', resource: s.environment.slug, details: { restricted, cause: restricted ? 'set by an owner' : 'lifted by an owner' } });
      });
      return envView({ ...s.environment, restricted });
    },

    async listEnvironments(op: OpContext, project: string): Promise<EnvironmentView[]> {
      const s = await scopes.resolve(op, project, null, 'project.read');
      return (await store.projects.listEnvironments(s.project.id)).map(envView);
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
