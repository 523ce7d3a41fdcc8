import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiKeyRole, EnvironmentRole, ProjectRole } from '../../src/contract/roles.js';
import type { Principal } from '../../src/kernel/context.js';
import { ACTIONS, type AccessFacts, type Action } from '../../src/identity/authorize.js';

/**
 * The callers of docs/roles.md, each as the facts authorizeScope would load for it. The doc's row
 * labels are these labels; roles-doc.test.ts checks every cell against decide().
 */
export interface CallerSpec {
  readonly label: string;
  readonly projectRole?: ProjectRole;
  readonly environmentRole?: EnvironmentRole;
  /** The environment acted on has environment-level members (and the caller is not one of them) */
  readonly restricted?: boolean;
  /** The caller is an environment member elsewhere in the project */
  readonly memberElsewhere?: boolean;
  readonly admin?: boolean;
  readonly apiKey?: { readonly role: ApiKeyRole; readonly where: 'own' | 'otherEnvironment' | 'otherProject' };
  /** A lease (read only, its keys) or a trust token from the keyless exchange, of the environment acted on or another */
  readonly issued?: { readonly kind: 'lease' | 'trustToken'; readonly role: 'CONSUMER' | 'MEMBER'; readonly where: 'own' | 'otherEnvironment' };
}

export const CALLERS: readonly CallerSpec[] = [
  { label: 'project OWNER', projectRole: 'OWNER' },
  { label: 'project PROJECT_MANAGER', projectRole: 'PROJECT_MANAGER' },
  { label: 'project MEMBER', projectRole: 'MEMBER' },
  { label: 'project CONSUMER', projectRole: 'CONSUMER' },
  { label: 'project AUDITOR', projectRole: 'AUDITOR' },
  { label: 'project OWNER, restricted environment', projectRole: 'OWNER', restricted: true },
  { label: 'project PROJECT_MANAGER, restricted environment', projectRole: 'PROJECT_MANAGER', restricted: true },
  { label: 'project MEMBER, restricted environment', projectRole: 'MEMBER', restricted: true },
  { label: 'project CONSUMER, restricted environment', projectRole: 'CONSUMER', restricted: true },
  { label: 'project AUDITOR, restricted environment', projectRole: 'AUDITOR', restricted: true },
  { label: 'environment ENVIRONMENT_OWNER', environmentRole: 'ENVIRONMENT_OWNER' },
  { label: 'environment MEMBER', environmentRole: 'MEMBER' },
  { label: 'environment CONSUMER', environmentRole: 'CONSUMER' },
  { label: 'environment member of another environment', memberElsewhere: true },
  { label: 'project CONSUMER + environment MEMBER', projectRole: 'CONSUMER', environmentRole: 'MEMBER' },
  { label: 'project MEMBER + environment CONSUMER', projectRole: 'MEMBER', environmentRole: 'CONSUMER' },
  { label: 'instance ADMIN, not a member', admin: true },
  { label: 'non-member' },
  { label: 'API key MEMBER', apiKey: { role: 'MEMBER', where: 'own' } },
  { label: 'API key CONSUMER', apiKey: { role: 'CONSUMER', where: 'own' } },
  { label: 'API key AUDITOR', apiKey: { role: 'AUDITOR', where: 'own' } },
  { label: 'API key MEMBER, another environment', apiKey: { role: 'MEMBER', where: 'otherEnvironment' } },
  { label: 'API key MEMBER, another project', apiKey: { role: 'MEMBER', where: 'otherProject' } },
  { label: 'lease', issued: { kind: 'lease', role: 'CONSUMER', where: 'own' } },
  { label: 'lease, another environment', issued: { kind: 'lease', role: 'CONSUMER', where: 'otherEnvironment' } },
  { label: 'trust token CONSUMER', issued: { kind: 'trustToken', role: 'CONSUMER', where: 'own' } },
  { label: 'trust token MEMBER', issued: { kind: 'trustToken', role: 'MEMBER', where: 'own' } },
  { label: 'trust token MEMBER, another environment', issued: { kind: 'trustToken', role: 'MEMBER', where: 'otherEnvironment' } },
];

/** Actions the routes check against one environment (the others are checked against the project alone). */
export const ENV_ACTIONS: ReadonlySet<Action> = new Set(['secret.list', 'secret.read', 'secret.write', 'apikey.manage', 'environment.member.manage', 'ssh.sign', 'ssh.manage']);

function principal(c: CallerSpec): AccessFacts['principal'] {
  if (c.issued) {
    const lease = c.issued.kind === 'lease';
    const actor = { type: lease ? ('Lease' as const) : ('TrustToken' as const), id: 'x', email: null, name: 'x', ip: null };
    const token = {
      id: '0123456789abcdef', kind: lease ? ('lease' as const) : ('trust' as const), projectId: 'p', environmentId: 'e', tokenHash: '', role: c.issued.role,
      scope: lease ? ['READ_ME'] : null, reason: null, trustDomainId: null, trustDomainName: null, issuer: null, subject: null, createdAt: '', createdBy: null,
      expiresAt: '9999-12-31T00:00:00.000Z', revokedAt: null, revokedBy: null, revokeReason: null, expiryRecordedAt: null,
    };
    const environmentSlug = c.issued.where === 'own' ? 'env' : 'other-env';
    const project = { id: 'p', slug: 'proj', name: 'P', wrappedKey: Buffer.alloc(0), createdAt: '' };
    const environment = { id: 'e', projectId: 'p', slug: environmentSlug, name: 'E', createdAt: '', restricted: false };
    return { kind: c.issued.kind, actor, token, projectSlug: 'proj', environmentSlug, project, environment } satisfies Principal;
  }
  if (c.apiKey) {
    const actor = { type: 'ApiKey' as const, id: '0123456789abcdef', email: null, name: 'k', ip: null };
    const apiKey = { id: actor.id, projectId: 'p', environmentId: 'e', name: 'k', role: c.apiKey.role, secretHash: '', wrappedSigningKey: Buffer.alloc(0), createdAt: '', createdBy: null, revokedAt: null };
    const projectSlug = c.apiKey.where === 'otherProject' ? 'elsewhere' : 'proj';
    const environmentSlug = c.apiKey.where === 'own' ? 'env' : 'other-env';
    const project = { id: 'p', slug: projectSlug, name: 'P', wrappedKey: Buffer.alloc(0), createdAt: '' };
    const environment = { id: 'e', projectId: 'p', slug: environmentSlug, name: 'E', createdAt: '', restricted: false };
    return { kind: 'apiKey', actor, apiKey, projectSlug, environmentSlug, project, environment } satisfies Principal;
  }
  const user = { id: 'u', email: 'u@example.com', name: 'U', passwordHash: '', admin: c.admin ?? false, createdAt: '' };
  return { kind: 'user', user, sessionHash: '', actor: { type: 'User', id: 'u', email: user.email, name: 'U', ip: null } };
}

/** What authorizeScope loads for this caller acting on project "proj" (and environment "env" for env actions). */
export function factsFor(c: CallerSpec, action: Action): AccessFacts {
  const envScoped = ENV_ACTIONS.has(action);
  const isUser = !c.apiKey && !c.issued;
  const environmentRole = isUser && envScoped ? (c.environmentRole ?? null) : null;
  return {
    principal: principal(c),
    projectSlug: 'proj',
    environmentSlug: envScoped ? 'env' : null,
    projectRole: isUser ? (c.projectRole ?? null) : null,
    environmentRole,
    environmentRestricted: isUser && envScoped && environmentRole === null && (c.restricted ?? false),
    hasAnyEnvironmentRole: isUser && (c.environmentRole !== undefined || (c.memberElsewhere ?? false)),
  };
}

export type Cell = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Parses the role × action table of docs/roles.md: `| caller | allow | deny: reason | … |`. */
export function parseRolesDoc(path = fileURLToPath(new URL('../../docs/roles.md', import.meta.url))): Map<string, Map<Action, Cell>> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines.findIndex((l) => l.startsWith('| caller |'));
  if (header < 0) throw new Error('docs/roles.md has no "| caller | …" table');
  const cols = (lines[header] as string).split('|').slice(2, -1).map((s) => s.trim().replace(/`/g, ''));
  const out = new Map<string, Map<Action, Cell>>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((s) => s.trim());
    const row = new Map<Action, Cell>();
    cells.slice(1).forEach((cell, i) => {
      const action = cols[i] as Action;
      if (!(ACTIONS as readonly string[]).includes(action)) throw new Error(`docs/roles.md: unknown action column ${action}`);
      const m = /^deny: `?([a-z_]+)`?$/.exec(cell);
      if (cell === 'allow') row.set(action, { allowed: true });
      else if (m) row.set(action, { allowed: false, reason: m[1] as string });
      else throw new Error(`docs/roles.md: cell "${cell}" is neither "allow" nor "deny: reason"`);
    });
    out.set((cells[0] as string).replace(/`/g, ''), row);
  }
  return out;
}
