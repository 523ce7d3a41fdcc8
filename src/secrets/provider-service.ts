import { randomUUID } from 'node:crypto';
import { ENCRYPTED, SYSTEM_PROVIDER, type CreateProviderInput, type ProviderCheckView, type ProviderType, type ProviderView } from '../contract/providers.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, conflict, forbidden, notFound } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { ProviderRow, Store } from '../store/ports.js';
import type { KeyRing } from './envelope.js';
import { pgDynamic, pgMessage, type PgDynamicConfig } from './providers/postgres-dynamic.js';
import { PROVIDER_KINDS } from './providers/registry.js';

const SEAL_PURPOSE = (id: string) => `provider-config:${id}`;

/**
 * Providers: the built-in System provider (the encrypted store, on every project) and configured
 * ones (PostgresDynamic) whose secret settings are sealed by the key ring and never shown again.
 * Configured by the instance admin; assigned to a project or one environment.
 */
export function createProviderService(deps: {
  readonly store: Pick<Store, 'providers' | 'projects'>;
  readonly scopes: ScopeResolver;
  readonly keyring: KeyRing;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, keyring, uow, clock } = deps;

  /** The instance admin's user row (providers hold database admin credentials: theirs alone). */
  const requireAdmin = (op: OpContext, action: string) => {
    const p = authenticated(op);
    if (p.kind !== 'user' || !p.user.admin) throw forbidden(`only an instance admin can ${action} providers`, 'admin_required');
    return p.user;
  };

  /** The settings as shown: secret fields replaced by ***ENCRYPTED***. */
  const shown = (row: ProviderRow): Record<string, unknown> => {
    const pub = JSON.parse(row.configPublic) as Record<string, unknown>;
    for (const f of PROVIDER_KINDS[row.type as ProviderType]?.secretFields ?? []) pub[f] = ENCRYPTED;
    return pub;
  };

  const view = async (row: ProviderRow): Promise<ProviderView> => {
    const assignments = [];
    for (const a of await store.providers.assignments(row.id)) {
      const project = await store.projects.getById(a.projectId);
      const env = a.environmentId ? await store.projects.getEnvironmentById(a.environmentId) : null;
      assignments.push({ project: project?.slug ?? a.projectId, environment: env?.slug ?? null });
    }
    return { name: row.name, type: row.type as ProviderType, configuration: shown(row), builtIn: false, assignments, createdAt: row.createdAt, createdBy: row.createdBy };
  };

  const systemView = async (): Promise<ProviderView> => ({
    name: SYSTEM_PROVIDER, type: 'System', configuration: {}, builtIn: true,
    assignments: (await store.projects.list()).map((p) => ({ project: p.slug, environment: null })), createdAt: null, createdBy: null,
  });

  const load = async (name: string): Promise<ProviderRow> => {
    const row = await store.providers.getByName(name);
    if (!row) throw notFound(`provider ${name}`);
    return row;
  };

  /** The full settings of a configured provider, secrets unsealed (for the engine, never for a response). */
  const configOf = <C>(row: ProviderRow): C => ({
    ...(JSON.parse(row.configPublic) as object),
    ...(JSON.parse(keyring.openInstance(row.configSealed, SEAL_PURPOSE(row.id)).toString('utf8')) as object),
  }) as C;

  return {
    configOf,
    load,

    async create(op: OpContext, input: CreateProviderInput): Promise<ProviderView> {
      op.audit.setScope({ resource: input.name });
      const creator = requireAdmin(op, 'create');
      if (input.name === SYSTEM_PROVIDER) throw conflict(`${SYSTEM_PROVIDER} is the built-in provider`);
      const kind = PROVIDER_KINDS[input.type];
      if (!kind.schema) throw badRequest(`the ${input.type} provider is built in (named ${SYSTEM_PROVIDER}); it cannot be created`);
      const parsed = kind.schema.safeParse(input.configuration);
      if (!parsed.success) {
        // Field names and rules only: a rejected value (a password) is never echoed.
        throw badRequest(`invalid ${input.type} configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(configuration)'}: ${i.message}`).join('; ')}`);
      }
      const config = parsed.data as Record<string, unknown>;
      try {
        await kind.check(config as never);
      } catch (e) {
        throw badRequest(`the ${input.type} configuration does not work: ${pgMessage(e)}`);
      }
      const secret: Record<string, unknown> = {};
      const pub: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(config)) (kind.secretFields.includes(k) ? secret : pub)[k] = v;
      const id = randomUUID();
      const row: ProviderRow = {
        id, name: input.name, type: input.type, configPublic: JSON.stringify(pub),
        configSealed: keyring.sealInstance(Buffer.from(JSON.stringify(secret), 'utf8'), SEAL_PURPOSE(id)),
        createdAt: clock().toISOString(), createdBy: creator.email,
      };
      await uow.run(op, async (tx) => {
        if (!(await tx.providers.insert(row))) throw conflict(`a provider named ${input.name} already exists`);
        op.audit.record({ event: 'ProviderCreated', resource: input.name, details: { type: input.type, configuration: shown(row) } });
      });
      return view(row);
    },

    async list(op: OpContext): Promise<ProviderView[]> {
      requireAdmin(op, 'list');
      const rows = await store.providers.list();
      return [await systemView(), ...(await Promise.all(rows.map(view)))];
    },

    async show(op: OpContext, name: string): Promise<ProviderView> {
      requireAdmin(op, 'read');
      return name === SYSTEM_PROVIDER ? systemView() : view(await load(name));
    },

    async delete(op: OpContext, name: string): Promise<void> {
      op.audit.setScope({ resource: name });
      requireAdmin(op, 'delete');
      if (name === SYSTEM_PROVIDER) throw conflict(`${SYSTEM_PROVIDER} is built in and cannot be deleted`);
      const row = await load(name);
      await uow.run(op, async (tx) => {
        if (!(await tx.providers.delete(row.id))) throw notFound(`provider ${name}`);
        op.audit.record({ event: 'ProviderDeleted', resource: name, details: { type: row.type } });
      });
    },

    /** Assigns to a project (environment omitted) or one environment; needs the project's member.manage. */
    async assign(op: OpContext, name: string, project: string, environment: string | null): Promise<ProviderView> {
      op.audit.setScope({ resource: name, projectSlug: project, environmentSlug: environment });
      const s = environment === null ? await scopes.resolve(op, project, null, 'member.manage') : await scopes.resolve(op, project, environment, 'member.manage');
      if (name === SYSTEM_PROVIDER) throw conflict(`${SYSTEM_PROVIDER} is assigned to every project already`);
      const row = await load(name);
      await uow.run(op, async (tx) => {
        const added = await tx.providers.assign({ providerId: row.id, projectId: s.project.id, environmentId: s.environment?.id ?? null });
        if (added) op.audit.record({ event: 'ProviderAssigned', resource: name, details: { type: row.type, project, environment } });
      });
      return view(row);
    },

    /** Compares the roles a PostgresDynamic provider created with the usernames of its active leases. */
    async check(op: OpContext, name: string, activeUsernames: (providerName: string) => Promise<readonly string[]>): Promise<ProviderCheckView> {
      requireAdmin(op, 'check');
      const row = await load(name);
      if (row.type !== 'PostgresDynamic') throw badRequest(`provider ${name} is of type ${row.type}: only PostgresDynamic providers create roles to check`);
      let roles: string[];
      try {
        roles = await pgDynamic.roles(configOf<PgDynamicConfig>(row));
      } catch (e) {
        throw badRequest(`cannot reach the database of provider ${name}: ${pgMessage(e)}`);
      }
      const active = new Set(await activeUsernames(name));
      return { provider: name, orphans: roles.filter((r) => !active.has(r)), missing: [...active].filter((u) => !roles.includes(u)), checkedAt: clock().toISOString() };
    },
  };
}

export type ProviderService = ReturnType<typeof createProviderService>;
