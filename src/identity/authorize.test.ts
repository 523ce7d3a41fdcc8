import { describe, expect, it } from 'vitest';
import type { Principal } from '../kernel/context.js';
import { DomainError } from '../kernel/errors.js';
import { ACTIONS, authorize, decide, effectiveEnvironmentRole, type AccessFacts, type Action } from './authorize.js';

const user = (admin = false): AccessFacts['principal'] => ({
  kind: 'user',
  user: { id: 'u1', email: 'u@example.com', name: 'U', passwordHash: '', admin, createdAt: '' },
  sessionHash: 'h',
  actor: { type: 'User', id: 'u1', email: 'u@example.com', name: 'U', ip: null },
});
const key = (role: 'MEMBER' | 'CONSUMER' | 'AUDITOR', projectSlug = 'p', environmentSlug = 'prod'): AccessFacts['principal'] =>
  ({
    kind: 'apiKey',
    apiKey: { id: 'k', projectId: 'pid', environmentId: 'eid', name: 'k', role, secretHash: '', wrappedSigningKey: Buffer.alloc(0), createdAt: '', createdBy: null, revokedAt: null },
    projectSlug,
    environmentSlug,
    project: { id: 'pid', slug: projectSlug, name: 'P', wrappedKey: Buffer.alloc(0), createdAt: '' },
    environment: { id: 'eid', projectId: 'pid', slug: environmentSlug, name: 'E', createdAt: '', restricted: false },
    actor: { type: 'ApiKey', id: 'k', email: null, name: 'k', ip: null },
  }) satisfies Principal;

const facts = (f: Partial<AccessFacts> = {}): AccessFacts => ({
  principal: user(),
  projectSlug: 'p',
  environmentSlug: 'prod',
  projectRole: null,
  environmentRole: null,
  environmentRestricted: false,
  hasAnyEnvironmentRole: false,
  ...f,
});
const allowed = (f: AccessFacts) => ACTIONS.filter((a) => decide(f, a).allowed);
const reason = (f: AccessFacts, a: Action) => {
  const d = decide(f, a);
  return d.allowed ? 'allowed' : d.reason;
};

describe('decide()', () => {
  it('an OWNER and a PROJECT_MANAGER may do every action', () => {
    expect(allowed(facts({ projectRole: 'OWNER' }))).toEqual([...ACTIONS]);
    expect(allowed(facts({ projectRole: 'PROJECT_MANAGER' }))).toEqual([...ACTIONS]);
  });

  it('a project MEMBER reads and writes secrets; a CONSUMER only reads them', () => {
    expect(allowed(facts({ projectRole: 'MEMBER' }))).toEqual(['project.read', 'secret.list', 'secret.read', 'secret.write', 'ssh.sign']);
    expect(allowed(facts({ projectRole: 'CONSUMER' }))).toEqual(['project.read', 'secret.list', 'secret.read']);
  });

  it('an AUDITOR reads the logs and never a secret', () => {
    const f = facts({ projectRole: 'AUDITOR' });
    expect(allowed(f)).toEqual(['project.read', 'logs.read']);
    expect(reason(f, 'secret.read')).toBe('insufficient_role');
  });

  it('a restricted environment shuts out project MEMBER and CONSUMER but not OWNER or PROJECT_MANAGER', () => {
    for (const role of ['MEMBER', 'CONSUMER', 'AUDITOR'] as const) {
      expect(reason(facts({ projectRole: role, environmentRestricted: true }), 'secret.read')).toBe('environment_restricted');
    }
    for (const role of ['OWNER', 'PROJECT_MANAGER'] as const) {
      expect(decide(facts({ projectRole: role, environmentRestricted: true }), 'secret.write').allowed).toBe(true);
    }
  });

  it('an environment role replaces the project role inside its environment, upwards and downwards', () => {
    expect(decide(facts({ projectRole: 'CONSUMER', environmentRole: 'MEMBER' }), 'secret.write').allowed).toBe(true);
    expect(reason(facts({ projectRole: 'MEMBER', environmentRole: 'CONSUMER' }), 'secret.write')).toBe('insufficient_role');
  });

  it('an ENVIRONMENT_OWNER manages its environment but not the project', () => {
    const f = facts({ environmentRole: 'ENVIRONMENT_OWNER', hasAnyEnvironmentRole: true });
    expect(allowed(f)).toEqual(['project.read', 'environment.member.manage', 'secret.list', 'secret.read', 'secret.write', 'apikey.manage', 'ssh.sign', 'ssh.manage']);
    expect(reason(f, 'member.manage')).toBe('insufficient_role');
    expect(reason(f, 'logs.read')).toBe('insufficient_role');
  });

  it('an environment member elsewhere in the project sees the project but nothing in other environments', () => {
    const f = facts({ hasAnyEnvironmentRole: true });
    expect(allowed(f)).toEqual(['project.read']);
    expect(reason(f, 'secret.read')).toBe('insufficient_role');
  });

  it('a non-member is refused everything with not_a_member', () => {
    for (const a of ACTIONS) expect(reason(facts(), a)).toBe('not_a_member');
  });

  it('the instance admin administers any project but reads secret values only through a membership', () => {
    const f = facts({ principal: user(true) });
    expect(allowed(f)).toEqual(['project.read', 'environment.create', 'member.manage', 'environment.member.manage', 'apikey.manage', 'logs.read', 'ssh.manage']);
    expect(reason(f, 'secret.read')).toBe('not_a_member');
    expect(decide(facts({ principal: user(true), projectRole: 'CONSUMER' }), 'secret.read').allowed).toBe(true);
  });

  it('an API key acts with its role in its own project and environment only', () => {
    expect(allowed(facts({ principal: key('MEMBER') }))).toEqual(['project.read', 'secret.list', 'secret.read', 'secret.write', 'ssh.sign']);
    expect(allowed(facts({ principal: key('CONSUMER') }))).toEqual(['project.read', 'secret.list', 'secret.read']);
    expect(allowed(facts({ principal: key('AUDITOR') }))).toEqual(['project.read', 'logs.read']);
    expect(reason(facts({ principal: key('MEMBER', 'p', 'dev') }), 'secret.read')).toBe('api_key_scope');
    expect(decide(facts({ principal: key('AUDITOR', 'p', 'dev'), environmentSlug: null }), 'logs.read').allowed).toBe(true);
    for (const a of ACTIONS) expect(reason(facts({ principal: key('MEMBER', 'other') }), a)).toBe('api_key_scope');
  });

  it('an API key never manages keys, members or environments, whatever its role', () => {
    for (const role of ['MEMBER', 'CONSUMER', 'AUDITOR'] as const) {
      for (const a of ['apikey.manage', 'member.manage', 'environment.member.manage', 'environment.create'] as const) {
        expect(reason(facts({ principal: key(role) }), a)).toBe('insufficient_role');
      }
    }
  });

  it('every refusal carries a readable message naming the project', () => {
    const d = decide(facts({ projectRole: 'CONSUMER' }), 'secret.write');
    expect(d).toMatchObject({ allowed: false, message: 'your role (CONSUMER) may not write or delete secrets in p/prod' });
    expect(decide(facts(), 'project.read')).toMatchObject({ message: 'you are not a member of project p' });
  });
});

describe('effectiveEnvironmentRole()', () => {
  it('inherits from the project role unless the environment is restricted', () => {
    expect(effectiveEnvironmentRole(facts({ projectRole: 'MEMBER' }))).toBe('MEMBER');
    expect(effectiveEnvironmentRole(facts({ projectRole: 'MEMBER', environmentRestricted: true }))).toBeNull();
    expect(effectiveEnvironmentRole(facts({ projectRole: 'PROJECT_MANAGER', environmentRestricted: true }))).toBe('ENVIRONMENT_OWNER');
    expect(effectiveEnvironmentRole(facts({ projectRole: 'AUDITOR' }))).toBeNull();
    expect(effectiveEnvironmentRole(facts({ projectRole: 'OWNER', environmentRole: 'CONSUMER' }))).toBe('ENVIRONMENT_OWNER'); // an OWNER always reaches every environment
  });
});

describe('an environment role never demotes an OWNER or PROJECT_MANAGER', () => {
  for (const projectRole of ['OWNER', 'PROJECT_MANAGER'] as const) {
    for (const environmentRole of ['CONSUMER', 'MEMBER'] as const) {
      it(`a project ${projectRole} who is also environment ${environmentRole} still writes secrets and manages keys there`, () => {
        const f = facts({ projectRole, environmentRole, environmentSlug: 'prod' });
        expect(decide(f, 'secret.write')).toEqual({ allowed: true });
        expect(decide(f, 'apikey.manage')).toEqual({ allowed: true });
        expect(decide(f, 'environment.member.manage')).toEqual({ allowed: true });
      });
    }
  }
});

describe('authorize()', () => {
  it('throws a forbidden DomainError carrying the machine-readable reason', () => {
    try {
      authorize(facts({ projectRole: 'AUDITOR' }), 'secret.read');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toMatchObject({ code: 'forbidden', extra: { reason: 'insufficient_role' } });
    }
    expect(() => authorize(facts({ projectRole: 'OWNER' }), 'secret.read')).not.toThrow();
  });
});
