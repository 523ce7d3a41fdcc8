import type { LightMyRequestResponse } from 'fastify';
import type { EventType } from '../../src/contract/events.js';
import type { Action } from '../../src/identity/authorize.js';
import { startTestServer, type StoreKind, type TestServer } from '../helpers/harness.js';
import { startJoseIssuer, type JoseIssuer } from '../helpers/oidc.js';
import { accessFor, auditFor, createKey, rid, seedProject, signedHeaders } from './helpers.js';
import { parseRolesDoc, type Cell } from './role-fixtures.js';

/** A caller of the matrix: a session token or an API key (sent HMAC-signed), and the environment it acts on. */
export interface Caller {
  readonly token?: string;
  readonly apiKey?: string;
  readonly env: 'open' | 'locked';
}

/** Project rm: "open" has no environment members; "locked" has some, so it is restricted. */
export interface MatrixWorld {
  readonly t: TestServer;
  /** The OIDC issuer the trust-token callers' tokens came from */
  readonly issuer: JoseIssuer;
  readonly callers: ReadonlyMap<string, Caller>;
  readonly owner: string;
  send(c: Caller, method: string, url: string, body?: unknown, id?: string): Promise<LightMyRequestResponse>;
}

/** The matrix's world on one store: project rm (open, locked), project other, a user per caller, API keys. */
export async function matrixWorld(store: StoreKind): Promise<MatrixWorld> {
  const t = await startTestServer({ store });
  const owner = await t.user('owner@example.com', 'Owner');
  await seedProject(t, owner, 'rm', ['open', 'locked']);
  await seedProject(t, owner, 'other', ['prod']);
  const tokens: Record<string, string> = {};
  for (const name of ['pm', 'member', 'consumer', 'auditor', 'eo', 'em', 'ec', 'cup', 'mdown', 'outsider', 'target']) {
    tokens[name] = await t.user(`${name}@example.com`, name);
  }
  const put = async (url: string, role: string) => {
    const r = await t.req('PUT', url, { token: owner, body: { role } });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  };
  const project = (who: string, role: string) => put(`/api/v1/projects/rm/members/${who}@example.com`, role);
  const locked = (who: string, role: string) => put(`/api/v1/projects/rm/environments/locked/members/${who}@example.com`, role);
  await project('pm', 'PROJECT_MANAGER');
  await project('member', 'MEMBER');
  await project('consumer', 'CONSUMER');
  await project('auditor', 'AUDITOR');
  await project('cup', 'CONSUMER');
  await project('mdown', 'MEMBER');
  await locked('eo', 'ENVIRONMENT_OWNER');
  await locked('em', 'MEMBER');
  await locked('ec', 'CONSUMER');
  await locked('cup', 'MEMBER');
  await locked('mdown', 'CONSUMER');
  for (const env of ['open', 'locked']) {
    await t.req('PUT', `/api/v1/projects/rm/environments/${env}/secrets/READ_ME`, { token: owner, body: { value: `value-${env}` } });
  }
  const kMember = (await createKey(t, owner, 'rm', 'open', 'MEMBER')).key;
  const kConsumer = (await createKey(t, owner, 'rm', 'open', 'CONSUMER')).key;
  const kAuditor = (await createKey(t, owner, 'rm', 'open', 'AUDITOR')).key;
  const kOther = (await createKey(t, owner, 'other', 'prod', 'MEMBER')).key;
  // A lease on rm/open covering READ_ME, and trust tokens of each role from a real exchange.
  const lease = await t.req('POST', '/api/v1/projects/rm/environments/open/leases', { token: owner, body: { scope: ['READ_ME'], ttlSeconds: 3600, reason: 'role matrix' } });
  if (lease.statusCode !== 201) throw new Error(`lease: ${lease.body}`);
  const issuer = await startJoseIssuer();
  const trust = async (role: 'CONSUMER' | 'MEMBER'): Promise<string> => {
    const name = `ci-${role.toLowerCase()}`;
    const d = await t.req('POST', '/api/v1/projects/rm/environments/open/trust-domains', {
      token: owner, body: { name, oidcIssuerUrl: issuer.issuer, grantedRole: role, claimRules: [{ claim: 'sub', operator: 'Equals', value: name }] },
    });
    if (d.statusCode !== 201) throw new Error(`trust domain: ${d.body}`);
    const x = await t.req('POST', '/api/v1/token', { body: { oidcToken: await issuer.sign({ sub: name }), projectSlug: 'rm', environmentSlug: 'open' } });
    if (x.statusCode !== 200) throw new Error(`exchange: ${x.body}`);
    return (x.json() as { token: string }).token;
  };
  const tConsumer = await trust('CONSUMER');
  const tMember = await trust('MEMBER');
  const u = (name: string, env: 'open' | 'locked'): Caller => ({ token: tokens[name] as string, env });
  const callers = new Map<string, Caller>([
    ['project OWNER', { token: owner, env: 'open' }],
    ['project PROJECT_MANAGER', u('pm', 'open')],
    ['project MEMBER', u('member', 'open')],
    ['project CONSUMER', u('consumer', 'open')],
    ['project AUDITOR', u('auditor', 'open')],
    ['project OWNER, restricted environment', { token: owner, env: 'locked' }],
    ['project PROJECT_MANAGER, restricted environment', u('pm', 'locked')],
    ['project MEMBER, restricted environment', u('member', 'locked')],
    ['project CONSUMER, restricted environment', u('consumer', 'locked')],
    ['project AUDITOR, restricted environment', u('auditor', 'locked')],
    ['environment ENVIRONMENT_OWNER', u('eo', 'locked')],
    ['environment MEMBER', u('em', 'locked')],
    ['environment CONSUMER', u('ec', 'locked')],
    ['environment member of another environment', u('eo', 'open')],
    ['project CONSUMER + environment MEMBER', u('cup', 'locked')],
    ['project MEMBER + environment CONSUMER', u('mdown', 'locked')],
    ['instance ADMIN, not a member', { token: t.adminToken, env: 'open' }],
    ['non-member', u('outsider', 'open')],
    ['API key MEMBER', { apiKey: kMember, env: 'open' }],
    ['API key CONSUMER', { apiKey: kConsumer, env: 'open' }],
    ['API key AUDITOR', { apiKey: kAuditor, env: 'open' }],
    ['API key MEMBER, another environment', { apiKey: kMember, env: 'locked' }],
    ['API key MEMBER, another project', { apiKey: kOther, env: 'open' }],
    ['lease', { token: (lease.json() as { token: string }).token, env: 'open' }],
    ['lease, another environment', { token: (lease.json() as { token: string }).token, env: 'locked' }],
    ['trust token CONSUMER', { token: tConsumer, env: 'open' }],
    ['trust token MEMBER', { token: tMember, env: 'open' }],
    ['trust token MEMBER, another environment', { token: tMember, env: 'locked' }],
  ]);
  const send: MatrixWorld['send'] = (c, method, url, body, id = rid('matrix')) => {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { 'x-request-id': id };
    if (c.apiKey) Object.assign(headers, signedHeaders(c.apiKey, method, url, raw ?? ''));
    return t.req(method, url, { token: c.token ?? null, raw, headers });
  };
  return { t, issuer, callers, owner, send };
}

/** One HTTP operation of the matrix: the action it needs and the event its refusal is audited under. */
export interface Operation {
  readonly name: string;
  readonly action: Action;
  /** Further rights the operation needs (checked after `action`) */
  readonly also?: readonly Action[];
  /** null: a read with no event of its own (a refusal is recorded as AccessDenied) */
  readonly event: EventType | null;
  readonly ok: number;
  /** Sends the request; `prepare` runs first as the OWNER (seed something to delete or revoke) */
  run(w: MatrixWorld, c: Caller, n: number, id: string): Promise<LightMyRequestResponse>;
  /** Undo an allowed change that would alter later cells (an environment member makes "open" restricted) */
  restore?(w: MatrixWorld, c: Caller): Promise<void>;
}

const envBase = (c: Caller) => `/api/v1/projects/rm/environments/${c.env}`;

export const OPERATIONS: readonly Operation[] = [
  { name: 'read the project', action: 'project.read', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', '/api/v1/projects/rm', undefined, id) },
  { name: 'list environments', action: 'project.read', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', '/api/v1/projects/rm/environments', undefined, id) },
  { name: 'list secrets', action: 'secret.list', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/secrets/manifest`, undefined, id) },
  { name: 'the environment version', action: 'secret.list', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/secrets/version`, undefined, id) },
  { name: 'every value (SDK)', action: 'secret.read', event: 'SecretsBulkPulled', ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/secrets`, undefined, id) },
  { name: 'read a secret', action: 'secret.read', event: 'SecretRead', ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/secrets/READ_ME`, undefined, id) },
  { name: 'pull', action: 'secret.read', event: 'SecretsBulkPulled', ok: 200, run: (w, c, _n, id) => w.send(c, 'POST', `${envBase(c)}/pull`, undefined, id) },
  { name: 'write a secret', action: 'secret.write', event: 'SecretUpdated', ok: 200, run: (w, c, n, id) => w.send(c, 'PUT', `${envBase(c)}/secrets/W_${n}`, { value: 'w' }, id) },
  {
    name: 'delete a secret', action: 'secret.write', event: 'SecretDeleted', ok: 204,
    run: async (w, c, n, id) => {
      await w.t.req('PUT', `${envBase(c)}/secrets/D_${n}`, { token: w.owner, body: { value: 'd' } });
      return w.send(c, 'DELETE', `${envBase(c)}/secrets/D_${n}`, undefined, id);
    },
  },
  { name: 'create an environment', action: 'environment.create', event: 'EnvironmentCreated', ok: 201, run: (w, c, n, id) => w.send(c, 'POST', '/api/v1/projects/rm/environments', { slug: `e-${n}`, name: `E ${n}` }, id) },
  {
    name: 'manage project members', action: 'member.manage', event: 'MemberAdded', ok: 200,
    run: async (w, c, _n, id) => {
      await w.t.req('PUT', '/api/v1/projects/rm/members/target@example.com', { token: w.owner, body: { role: 'MEMBER' } });
      return w.send(c, 'PUT', '/api/v1/projects/rm/members/target@example.com', { role: 'CONSUMER' }, id);
    },
  },
  {
    name: 'manage environment members', action: 'environment.member.manage', event: 'MemberAdded', ok: 200,
    run: (w, c, _n, id) => w.send(c, 'PUT', `${envBase(c)}/members/target@example.com`, { role: 'CONSUMER' }, id),
    // The first environment member restricts the environment, and removing it does not lift that.
    restore: async (w, c) => {
      await w.t.req('DELETE', `${envBase(c)}/members/target@example.com`, { token: w.owner });
      await w.t.req('PUT', `${envBase(c)}/restriction`, { token: w.owner, body: { restricted: c.env === 'locked' } });
    },
  },
  { name: 'list API keys', action: 'apikey.manage', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/api-keys`, undefined, id) },
  // A key never carries more than its creator may do: a CONSUMER key also needs secret.list and secret.read.
  { name: 'create an API key', action: 'apikey.manage', also: ['secret.list', 'secret.read'], event: 'ApiKeyCreated', ok: 201, run: (w, c, n, id) => w.send(c, 'POST', `${envBase(c)}/api-keys`, { name: `k${n}`, role: 'CONSUMER' }, id) },
  {
    name: 'revoke an API key', action: 'apikey.manage', event: 'ApiKeyRevoked', ok: 204,
    run: async (w, c, n, id) => {
      const k = await createKey(w.t, w.owner, 'rm', c.env, 'CONSUMER', `victim${n}`);
      return w.send(c, 'DELETE', `/api/v1/api-keys/${k.id}`, undefined, id);
    },
  },
  // A lease never carries more than its issuer: reading the keys it names.
  {
    name: 'issue a lease', action: 'apikey.manage', also: ['secret.read'], event: 'LeaseIssued', ok: 201,
    run: (w, c, _n, id) => w.send(c, 'POST', `${envBase(c)}/leases`, { scope: ['READ_ME'], ttlSeconds: 600, reason: 'matrix' }, id),
  },
  { name: 'list leases', action: 'apikey.manage', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', `${envBase(c)}/leases`, undefined, id) },
  // A CONSUMER trust domain needs what a CONSUMER API key needs.
  {
    name: 'create a trust domain', action: 'apikey.manage', also: ['secret.list', 'secret.read'], event: 'TrustDomainCreated', ok: 201,
    run: (w, c, n, id) =>
      w.send(c, 'POST', `${envBase(c)}/trust-domains`, { name: `td-${n}`, oidcIssuerUrl: 'https://token.actions.githubusercontent.com', claimRules: [{ claim: 'repository_id', value: String(n) }] }, id),
  },
  { name: "read the project's Audit Log", action: 'logs.read', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', '/api/v1/audit-logs?project=rm&limit=5', undefined, id) },
  { name: "read the project's Access Log", action: 'logs.read', event: null, ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', '/api/v1/access-logs?project=rm&limit=5', undefined, id) },
  { name: "export the project's Audit Log", action: 'logs.read', event: 'AuditLogExported', ok: 200, run: (w, c, _n, id) => w.send(c, 'GET', '/api/v1/audit-logs/export?project=rm&format=ndjson&limit=5', undefined, id) },
];

let seq = 0;
/** Runs every operation as one caller; returns a line per cell that differs from docs/roles.md. */
export async function checkRow(w: MatrixWorld, label: string): Promise<string[]> {
  const expected = parseRolesDoc().get(label);
  const caller = w.callers.get(label);
  if (!expected || !caller) return [`no row or caller for ${label}`];
  const problems: string[] = [];
  for (const op of OPERATIONS) {
    // The first refused action of the operation decides (an operation that needs several rights).
    const cells = [op.action, ...(op.also ?? [])].map((a) => expected.get(a) as Cell);
    const cell = cells.find((c) => !c.allowed) ?? (cells[0] as Cell);
    const n = ++seq;
    const id = rid(`m${n}`);
    const r = await op.run(w, caller, n, id);
    const where = `${label} / ${op.name}`;
    const want = cell.allowed ? op.ok : 403;
    if (r.statusCode !== want) problems.push(`${where}: status ${r.statusCode}, doc says ${cell.allowed ? 'allow' : `deny ${cell.reason}`} (${r.body.slice(0, 160)})`);
    if (cell.allowed && r.statusCode === op.ok && op.restore) await op.restore(w, caller);
    const audit = await auditFor(w.t, id);
    // Every refusal is recorded: under the operation's event, or AccessDenied for reads that have none.
    if (!cell.allowed) {
      const event = op.event ?? 'AccessDenied';
      const ok = audit.length === 1 && audit[0]?.event === event && audit[0].outcome === 'Denied' && audit[0].reason === cell.reason;
      if (!ok) problems.push(`${where}: want one ${event} Denied ${cell.reason}, audit has ${JSON.stringify(audit.map((e) => [e.event, e.outcome, e.reason]))}`);
    }
    if (cell.allowed && op.event && !audit.some((e) => e.outcome === 'Success')) problems.push(`${where}: allowed but no Success audit row`);
    const access = await accessFor(w.t, id);
    if (access.length !== 1 || access[0]?.status !== r.statusCode) problems.push(`${where}: access rows ${JSON.stringify(access.map((a) => a.status))}`);
  }
  return problems;
}
