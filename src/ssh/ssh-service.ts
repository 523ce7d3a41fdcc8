import type { SshCaView, SshCertificateView, SshRoleInput, SshRoleView, SshSignInput } from '../contract/ssh.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import type { OpContext } from '../kernel/context.js';
import { badRequest, conflict, DomainError, notFound, type DeniedReason } from '../kernel/errors.js';
import type { EnvScope, ScopeResolver } from '../projects/scope.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { SshCaRow, SshRoleRow, Store } from '../store/ports.js';
import { fingerprintOf, generateCa, KeyProblem, parsePublicKey, publicKeyLine, signCertificate } from './certificate.js';
import { parseTtl, PRINCIPAL_RE, rolePolicy } from './policy.js';

/** Certificates are valid from a little before now, so a server whose clock is behind still accepts them. */
const BACKDATE_SECONDS = 30;

const roleView = (r: SshRoleRow): SshRoleView => ({
  name: r.name, allowedPrincipals: r.allowedPrincipals, allowEmptyPrincipals: r.allowEmptyPrincipals, defaultExtensions: r.defaultExtensions,
  allowedExtensions: r.allowedExtensions, criticalOptions: r.criticalOptions, defaultTtlSeconds: r.defaultTtlSeconds, maxTtlSeconds: r.maxTtlSeconds,
  createdAt: r.createdAt, createdBy: r.createdBy,
});

/** A signing request refused by the role's policy or the key: 400/403 and a Denied SshKeySigned entry. */
const refused = (status: 'validation_failed' | 'forbidden', reason: DeniedReason, message: string) => new DomainError(status, message, { reason });

/**
 * One SSH certificate authority per environment (an Ed25519 key sealed by the key ring, created on
 * first use) and its roles; signing OpenSSH user certificates whose key id names the audit entry.
 */
export function createSshService(deps: {
  readonly store: Pick<Store, 'ssh'>;
  readonly scopes: ScopeResolver;
  readonly keyring: KeyRing;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}) {
  const { store, scopes, keyring, uow, clock } = deps;
  const purpose = (environmentId: string) => `ssh-ca:${environmentId}`;
  const caComment = (s: EnvScope) => `bella-ca:${s.project.slug}/${s.environment.slug}`;

  /** The environment's CA, created (and recorded as SshCaCreated) the first time anyone needs it. */
  async function caOf(op: OpContext, s: EnvScope): Promise<SshCaRow> {
    const existing = await store.ssh.getCa(s.environment.id);
    if (existing) return existing;
    const keys = generateCa();
    const row: SshCaRow = {
      environmentId: s.environment.id, publicKey: keys.publicBlob, sealedPrivateKey: keyring.sealInstance(keys.privateDer, purpose(s.environment.id)),
      createdAt: clock().toISOString(),
    };
    return uow.run(op, async (tx) => {
      const ca = await tx.ssh.ensureCa(row);
      // Only the request that actually created it records the creation (a concurrent one found it).
      if (ca.publicKey.equals(row.publicKey)) op.audit.record({ event: 'SshCaCreated', resource: fingerprintOf(ca.publicKey), details: { fingerprint: fingerprintOf(ca.publicKey) } });
      return ca;
    });
  }

  return {
    async ca(op: OpContext, project: string, environment: string): Promise<SshCaView> {
      const s = await scopes.resolve(op, project, environment, 'project.read');
      const ca = await caOf(op, s);
      return { publicKey: publicKeyLine(ca.publicKey, caComment(s)), fingerprint: fingerprintOf(ca.publicKey), createdAt: ca.createdAt };
    },

    async listRoles(op: OpContext, project: string, environment: string): Promise<SshRoleView[]> {
      const s = await scopes.resolve(op, project, environment, 'ssh.sign');
      return (await store.ssh.listRoles(s.environment.id)).map(roleView);
    },

    async createRole(op: OpContext, project: string, environment: string, input: SshRoleInput): Promise<SshRoleView> {
      op.audit.setScope({ resource: input.name });
      const s = await scopes.resolve(op, project, environment, 'ssh.manage');
      const policy = rolePolicy(input);
      const row: SshRoleRow = { environmentId: s.environment.id, name: input.name, ...policy, createdAt: clock().toISOString(), createdBy: s.facts.principal.actor.email };
      await uow.run(op, async (tx) => {
        if (!(await tx.ssh.createRole(row))) throw conflict(`an SSH role named ${input.name} already exists in ${project}/${environment}`);
        op.audit.record({ event: 'SshRoleCreated', resource: input.name, details: { ...roleView(row), createdAt: undefined, createdBy: undefined } });
      });
      return roleView(row);
    },

    async deleteRole(op: OpContext, project: string, environment: string, name: string): Promise<void> {
      op.audit.setScope({ resource: name });
      const s = await scopes.resolve(op, project, environment, 'ssh.manage');
      await uow.run(op, async (tx) => {
        if (!(await tx.ssh.deleteRole(s.environment.id, name))) throw notFound(`SSH role ${name} in ${project}/${environment}`);
        op.audit.record({ event: 'SshRoleDeleted', resource: name });
      });
    },

    async sign(op: OpContext, project: string, environment: string, input: SshSignInput): Promise<SshCertificateView> {
      op.audit.setScope({ resource: input.role });
      const s = await scopes.resolve(op, project, environment, 'ssh.sign');
      const role = await store.ssh.getRole(s.environment.id, input.role);
      if (!role) throw refused('forbidden', 'ssh_unknown_role', `no SSH role ${input.role} in ${project}/${environment}; bella ssh roles list shows them`);
      let subject;
      try {
        subject = parsePublicKey(input.publicKey);
      } catch (e) {
        if (e instanceof KeyProblem) throw refused('validation_failed', e.weak ? 'ssh_weak_key' : 'ssh_malformed_key', e.message);
        throw e;
      }
      op.audit.setScope({ resource: subject.fingerprint });
      const wanted = [...new Set(input.principals ?? [])];
      for (const p of wanted) if (!PRINCIPAL_RE.test(p)) throw badRequest(`principal ${JSON.stringify(p)} must be 1-64 characters of A-Z a-z 0-9 . _ @ -`);
      let principals: string[];
      if (wanted.length === 0) {
        if (role.allowEmptyPrincipals) principals = [];
        else if (role.allowedPrincipals.length === 1) principals = [...role.allowedPrincipals];
        else throw refused('validation_failed', 'ssh_principal_not_allowed', `name the principals to sign for (one or more of ${role.allowedPrincipals.join(', ')})`);
      } else {
        const bad = wanted.filter((p) => !role.allowedPrincipals.includes(p));
        if (bad.length > 0) throw refused('forbidden', 'ssh_principal_not_allowed', `role ${role.name} does not allow the principal(s) ${bad.join(', ')}; allowed: ${role.allowedPrincipals.join(', ') || '(none)'}`);
        principals = wanted;
      }
      const ttl = input.ttl === undefined ? role.defaultTtlSeconds : parseTtl(input.ttl);
      if (ttl === null) throw badRequest(`ttl ${JSON.stringify(input.ttl)} must be a duration like 90s, 30m, 8h or 7d`);
      if (ttl > role.maxTtlSeconds) throw refused('forbidden', 'ssh_ttl_exceeds_max', `a ttl of ${ttl} s exceeds role ${role.name}'s maximum of ${role.maxTtlSeconds} s`);
      const extensions = [...new Set(input.extensions ?? role.defaultExtensions)];
      const notAllowed = extensions.filter((x) => !role.allowedExtensions.includes(x));
      if (notAllowed.length > 0) throw refused('forbidden', 'ssh_extension_not_allowed', `role ${role.name} does not allow the extension(s) ${notAllowed.join(', ')}; allowed: ${role.allowedExtensions.join(', ') || '(none)'}`);

      const ca = await caOf(op, s);
      const caKeys = { publicBlob: ca.publicKey, privateDer: keyring.openInstance(ca.sealedPrivateKey, purpose(s.environment.id)) };
      const now = Math.floor(clock().getTime() / 1000);
      const validAfter = now - BACKDATE_SECONDS;
      const validBefore = now + ttl;
      const actor = s.facts.principal.actor;
      // The key id names the audit entry, so sshd's "Accepted publickey … ID …" line joins to it.
      const keyId = `bella:${op.requestId}:${actor.email ?? `${actor.type}:${actor.id ?? 'unknown'}`}`;
      const criticalOptions = { ...role.criticalOptions };
      const view = await uow.run(op, async (tx) => {
        const serial = BigInt(await tx.ssh.nextSerial(s.environment.id));
        const certificate = signCertificate(
          caKeys,
          { subject, serial, keyId, principals, validAfter, validBefore, criticalOptions, extensions: Object.fromEntries(extensions.map((x) => [x, ''])) },
          subject.comment,
        );
        const v: SshCertificateView = {
          certificate, serial: String(serial), keyId, principals, extensions, criticalOptions,
          validAfter: new Date(validAfter * 1000).toISOString(), validBefore: new Date(validBefore * 1000).toISOString(),
          fingerprint: subject.fingerprint, caFingerprint: fingerprintOf(ca.publicKey),
        };
        op.audit.record({
          event: 'SshKeySigned', resource: subject.fingerprint,
          details: { role: role.name, keyType: subject.type, fingerprint: subject.fingerprint, principals, extensions, criticalOptions, serial: v.serial, keyId, validAfter: v.validAfter, validBefore: v.validBefore, caFingerprint: v.caFingerprint },
        });
        return v;
      });
      return view;
    },
  };
}

export type SshService = ReturnType<typeof createSshService>;
