import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/contract/entries.js';
import { testStores } from '../helpers/harness.js';
import { createKey, oneAudit, rid } from './helpers.js';
import { CALLERS } from './role-fixtures.js';
import { checkRow, matrixWorld, type Caller, type MatrixWorld } from './role-matrix-world.js';

/**
 * Every caller of docs/roles.md × every HTTP operation through real requests (API keys HMAC-signed),
 * then the rules the page states beside its table. One server per store: the rules run after the matrix.
 */
const users = CALLERS.filter((c) => !c.apiKey && !c.issued).map((c) => c.label);
const keys = CALLERS.filter((c) => c.apiKey).map((c) => c.label);
const issued = CALLERS.filter((c) => c.issued).map((c) => c.label);

for (const kind of await testStores()) {
  describe(`role matrix (${kind})`, () => {
    let w: MatrixWorld;
    beforeAll(async () => {
      w = await matrixWorld(kind);
    });
    afterAll(async () => {
      await w.t.close();
      await w.issuer.close();
    });

    describe('the role matrix for users, over HTTP', () => {
      it.each(users)('%s is allowed or Denied exactly as docs/roles.md says, and every Denied auditable action is audited with its reason', async (label) => {
        expect(await checkRow(w, label)).toEqual([]);
      });
    });

    describe('the role matrix for API keys, over HTTP (signed requests)', () => {
      it.each(keys)('%s is allowed or Denied exactly as docs/roles.md says, and every Denied auditable action is audited with its reason', async (label) => {
        expect(await checkRow(w, label)).toEqual([]);
      });
    });

    describe('the role matrix for leases and trust tokens, over HTTP (Bearer)', () => {
      it.each(issued)('%s is allowed or Denied exactly as docs/roles.md says, and every Denied auditable action is audited with its reason', async (label) => {
        expect(await checkRow(w, label)).toEqual([]);
      });
    });

    describe('role rules beside the matrix', () => {
      const caller = (label: string) => w.callers.get(label) as Caller;
      const projectsSeen = async (c: Caller, path = '/api/v1/audit-logs?limit=1000') => {
        const r = await w.send(c, 'GET', path);
        expect(r.statusCode, r.body).toBe(200);
        return new Set((r.json().entries as AuditEntry[]).map((e) => e.projectSlug));
      };
      it('an ENVIRONMENT_OWNER cannot mint an AUDITOR API key to read logs it may not read', async () => {
        const eo = caller('environment ENVIRONMENT_OWNER');
        const id = rid('eo-auditor-key');
        const r = await w.send(eo, 'POST', '/api/v1/projects/rm/environments/locked/api-keys', { name: 'spy', role: 'AUDITOR' }, id);
        expect(r.statusCode, r.body).toBe(403);
        expect(await oneAudit(w.t, id)).toMatchObject({ event: 'ApiKeyCreated', outcome: 'Denied', reason: 'insufficient_role' });
        const ok = await w.send(eo, 'POST', '/api/v1/projects/rm/environments/locked/api-keys', { name: 'ci', role: 'MEMBER' });
        expect(ok.statusCode).toBe(201);
        const pm = await createKey(w.t, (caller('project PROJECT_MANAGER').token as string), 'rm', 'locked', 'AUDITOR', 'pm-auditor');
        expect(pm.key).toMatch(/^bax-/);
      });

      it('a PROJECT_MANAGER cannot grant or take away the OWNER role, and the refusal is audited', async () => {
        const pm = caller('project PROJECT_MANAGER');
        const grant = rid('pm-grant-owner');
        expect((await w.send(pm, 'PUT', '/api/v1/projects/rm/members/target@example.com', { role: 'OWNER' }, grant)).statusCode).toBe(403);
        expect(await oneAudit(w.t, grant)).toMatchObject({ event: 'MemberAdded', outcome: 'Denied', reason: 'owner_required', resource: 'target@example.com' });
        const demote = rid('pm-demote-owner');
        expect((await w.send(pm, 'DELETE', '/api/v1/projects/rm/members/owner@example.com', undefined, demote)).statusCode).toBe(403);
        expect(await oneAudit(w.t, demote)).toMatchObject({ event: 'MemberRemoved', outcome: 'Denied', reason: 'owner_required' });
      });

      it('only the instance admin reads all logs, instance events included; others read their own projects', async () => {
        const admin = await projectsSeen(caller('instance ADMIN, not a member'));
        expect(admin).toEqual(new Set([null, 'rm', 'other']));
        expect(await projectsSeen(caller('project PROJECT_MANAGER'))).toEqual(new Set(['rm']));
        expect(await projectsSeen(caller('project AUDITOR'))).toEqual(new Set(['rm']));
        expect(await projectsSeen(caller('API key AUDITOR'))).toEqual(new Set(['rm']));
        expect(await projectsSeen(caller('project AUDITOR'), '/api/v1/access-logs?limit=1000')).toEqual(new Set(['rm']));
        // Reading no project's logs is a refusal (403), not an empty log that looks quiet (issue 20).
        for (const label of ['project MEMBER', 'project CONSUMER', 'environment ENVIRONMENT_OWNER', 'non-member', 'API key MEMBER', 'lease', 'trust token MEMBER']) {
          const r = await w.send(caller(label), 'GET', '/api/v1/audit-logs?limit=1000');
          expect(r.statusCode, label).toBe(403);
        }
      });

      it('an API key cannot log out or list users: those need a user session', async () => {
        const key = caller('API key MEMBER');
        const r = await w.send(key, 'POST', '/api/v1/auth/logout');
        expect(r.statusCode).toBe(403);
        expect(r.json().error.message).toBe('this action needs a user session, not an API key');
        expect((await w.send(key, 'GET', '/api/v1/users')).statusCode).toBe(403);
      });

      it('an environment member sees the project and its environments but not the project members list of another project', async () => {
        const ec = caller('environment CONSUMER');
        expect((await w.send(ec, 'GET', '/api/v1/projects/rm/members')).statusCode).toBe(200);
        expect((await w.send(ec, 'GET', '/api/v1/projects/other')).statusCode).toBe(403);
        const list = (await w.send(ec, 'GET', '/api/v1/projects')).json().projects;
        expect(list).toEqual([expect.objectContaining({ slug: 'rm', role: null })]);
      });
    });
  });
}
