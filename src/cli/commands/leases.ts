import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../../contract/issued-tokens.js';
import { SECRET_KEY_RE } from '../../contract/api.js';
import type { IssuedLease, LeasePolicyView, LeaseView } from '../../contract/leases.js';
import { CREDENTIAL_LEASE_ID_RE, type CredentialLeaseView, type IssuedCredentialLease } from '../../contract/credential-leases.js';
import { seg } from '../api-client.js';
import { usageError } from '../errors.js';
import { info, print } from '../env.js';
import { checkSlug, openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { printRows, simpleFormat, withOutput, withScope, type ContextFactory } from './shared.js';

const DURATION_HINT = 'Use a whole number and a unit: 90s, 15m, 4h, 2d.';

/** `--ttl 4h` → seconds, or a usage error. */
export function durationFlag(value: string, flag: string): number {
  const s = parseDuration(value);
  if (s === null) throw usageError(`invalid ${flag} ${JSON.stringify(value)}`, DURATION_HINT);
  return s;
}

/** `--scope "DB_PASSWORD,API_KEY"` → the keys, each checked. */
export function scopeFlag(value: string): string[] {
  const keys = value.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (keys.length === 0) throw usageError('--scope names no secret key', 'Example: --scope "DB_PASSWORD,API_KEY"');
  for (const k of keys) if (!SECRET_KEY_RE.test(k)) throw usageError(`invalid secret key ${JSON.stringify(k)} in --scope`, 'Keys are a letter or underscore, then letters, digits, _ . or -.');
  return keys;
}

const oneLine = (v: string | undefined, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  if (v.trim() === '' || /[\u0000-\u001f\u007f]/.test(v)) throw usageError(`invalid ${flag}: must be non-empty text on one line`);
  return v;
};

const leasesPath = (project: string, environment: string) => `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/leases`;
const credentialPath = (project: string, environment: string) => `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/credential-leases`;

export function registerLeaseCommands(program: Command, context: ContextFactory): void {
  const leases = program.command('leases').description('hand out short-lived, read-only access to a few secrets (bax-lease- tokens)');

  withOutput(withScope(leases.command('issue')))
    .description('issue a lease: a bax-lease token for --scope keys, or database credentials from a --provider; shown once on stdout')
    .option('--scope <keys>', 'comma-separated secret keys the lease may read, e.g. "DB_PASSWORD,API_KEY"')
    .option('--provider <name>', 'a PostgresDynamic provider assigned to the environment: a fresh database login instead of a token')
    .requiredOption('--ttl <duration>', 'how long it lasts, e.g. 15m, 4h (at most the environment\'s lease policy)')
    .requiredOption('--reason <text>', 'why (recorded in the Audit Log)')
    .action(async (flags: ScopeFlags & { scope?: string; provider?: string; ttl: string; reason: string; output?: string }) => {
      const ctx = context();
      if ((flags.scope === undefined) === (flags.provider === undefined)) throw usageError('give --scope (a lease token) or --provider (database credentials), not both', 'Examples: --scope "DB_PASSWORD" or --provider pg-main');
      const ttlSeconds = durationFlag(flags.ttl, '--ttl');
      const reason = oneLine(flags.reason, '--reason');
      const format = simpleFormat(flags.output);
      if (flags.provider !== undefined) {
        const session = openSession(ctx.env);
        const { project, environment } = await requireProjectEnv(session, flags);
        // The password is a value: it travels end-to-end encrypted like a secret read.
        const c = await session.client.values<IssuedCredentialLease>('POST', credentialPath(project, environment), undefined, { provider: flags.provider, ttlSeconds, reason });
        if (format === 'json') return print(ctx, JSON.stringify(c, null, 2));
        info(ctx, `Issued credential lease ${c.id} from ${c.provider} on ${project}/${environment} until ${c.expiresAt}: login ${c.username}. The password is shown only once; the login is removed when the lease ends.`);
        // Shell-safe (a role name of [a-z0-9_], a base64url password): eval "$(bella leases issue --provider …)" sets them.
        return print(ctx, `export PGUSER=${c.username}\nexport PGPASSWORD=${c.password}`);
      }
      const body = { scope: scopeFlag(flags.scope as string), ttlSeconds, reason };
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const l = await session.client.request<IssuedLease>('POST', leasesPath(project, environment), { body });
      info(ctx, `Issued lease ${l.id} on ${project}/${environment} for ${l.scope.join(', ')} until ${l.expiresAt}. The token is shown only once.`);
      print(ctx, l.token);
    });

  withOutput(withScope(leases.command('list')))
    .description('list the leases of an environment: active, expired and revoked, with who, why and when')
    .option('--status <status>', 'active|expired|revoked')
    .action(async (flags: ScopeFlags & { output?: string; status?: string }) => {
      const ctx = context();
      const format = simpleFormat(flags.output);
      if (flags.status !== undefined && !['active', 'expired', 'revoked'].includes(flags.status)) throw usageError(`invalid --status ${JSON.stringify(flags.status)}`, 'Valid values: active, expired, revoked.');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const res = await session.client.get<{ leases: LeaseView[] }>(leasesPath(project, environment), { status: flags.status });
      const cred = (await session.client.get<{ leases: CredentialLeaseView[] }>(credentialPath(project, environment))).leases.filter(
        (l) => flags.status === undefined || l.status === flags.status,
      );
      // One JSON array: token leases, then credential leases (those carry provider and username).
      if (format === 'json') return printRows(ctx, format, [], [...res.leases, ...cred], '');
      printRows(
        ctx,
        format,
        [
          { header: 'ID', value: (l: LeaseView) => l.id },
          { header: 'STATUS', value: (l) => l.status },
          { header: 'SCOPE', value: (l) => l.scope.join(','), min: 8 },
          { header: 'ISSUED BY', value: (l) => l.issuedBy ?? '-', drop: 3 },
          { header: 'REASON', value: (l) => l.reason ?? '-', min: 6, drop: 4 },
          { header: 'EXPIRES (UTC)', value: (l) => l.expiresAt },
          { header: 'REVOKED', value: (l) => (l.revokedAt ? `${l.revokedAt} by ${l.revokedBy ?? '?'}${l.revokeReason ? `: ${l.revokeReason}` : ''}` : '-'), drop: 2 },
        ],
        res.leases,
        cred.length > 0 ? 'No lease tokens.' : `No leases in ${project}/${environment}.`,
      );
      if (cred.length === 0) return;
      print(ctx, '\nCredential leases (database logins from providers):');
      printRows(
        ctx,
        format,
        [
          { header: 'ID', value: (l: CredentialLeaseView) => l.id },
          { header: 'STATUS', value: (l) => (l.status === 'revoking' ? `revoking (attempt ${l.attempts})` : l.status) },
          { header: 'PROVIDER', value: (l) => l.provider, min: 4 },
          { header: 'LOGIN', value: (l) => l.username },
          { header: 'ISSUED BY', value: (l) => l.issuedBy ?? '-', drop: 3 },
          { header: 'REASON', value: (l) => l.reason, min: 6, drop: 4 },
          { header: 'EXPIRES (UTC)', value: (l) => l.expiresAt, min: 16 },
          { header: 'LAST ERROR', value: (l) => l.lastError ?? '-', drop: 2 },
        ],
        cred,
        '',
      );
    });

  withScope(leases.command('revoke'))
    .description('revoke a lease: refused from its very next request')
    .argument('<id>', 'the lease id from `bella leases list`')
    .option('--reason <text>', 'why (recorded in the Audit Log)')
    .action(async (id: string, flags: ScopeFlags & { reason?: string }) => {
      const ctx = context();
      const credential = CREDENTIAL_LEASE_ID_RE.test(id);
      if (!credential && !/^[0-9a-f]{16}$/.test(id)) throw usageError(`invalid lease id ${JSON.stringify(id)}`, '`bella leases list` shows the ids (16 hex characters, or cl- and 16 hex for credential leases).');
      const reason = oneLine(flags.reason, '--reason');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      if (credential) {
        const c = await session.client.request<CredentialLeaseView>('DELETE', `${credentialPath(project, environment)}/${seg(id)}`, reason ? { body: { reason } } : {});
        if (c.status === 'revoked') return print(ctx, `Revoked credential lease ${id}: the login ${c.username} is gone from the database.`);
        if (c.status === 'revoking') return print(ctx, `Could not remove the login ${c.username} yet (${c.lastError ?? 'unknown error'}); it is retried (attempt ${c.attempts}), recorded as LeaseRevocationFailed.`);
        return print(ctx, `Credential lease ${id} is ${c.status}${c.lastError ? ` (${c.lastError})` : ''}.`);
      }
      const l = await session.client.request<LeaseView>('DELETE', `${leasesPath(project, environment)}/${seg(id)}`, reason ? { body: { reason } } : {});
      print(ctx, l.status === 'revoked' && l.revokedBy !== null ? `Revoked lease ${id}.` : `Lease ${id} had already ended (${l.status}).`);
    });

  withScope(leases.command('expire-all'))
    .description('end every active lease of an environment now')
    .option('--reason <text>', 'why (recorded in the Audit Log)')
    .action(async (flags: ScopeFlags & { reason?: string }) => {
      const ctx = context();
      const reason = oneLine(flags.reason, '--reason');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
      const r = await session.client.request<{ revoked: string[] }>('POST', `${leasesPath(project, environment)}/expire-all`, reason ? { body: { reason } } : {});
      print(ctx, r.revoked.length === 0 ? `No active leases in ${project}/${environment}.` : `Revoked ${r.revoked.length} lease(s) in ${project}/${environment}: ${r.revoked.join(', ')}.`);
    });
}

/** `bella environments set-lease-policy [ENV] --max-ttl 24h` (registered on the environments group). */
export function registerLeasePolicyCommand(envs: Command, context: ContextFactory): void {
  envs
    .command('set-lease-policy')
    .description("set the longest lease an environment allows (applies to leases issued afterwards)")
    .argument('[slug]', 'the environment (default: -e, BELLA_BAXTER_ENV, .bella)')
    .requiredOption('--max-ttl <duration>', 'e.g. 24h (from 1m to 30d; the default policy is 24h)')
    .option('-p, --project <slug>', 'project (default: API key scope, BELLA_BAXTER_PROJECT, .bella)')
    .option('-e, --environment <slug>', 'environment (when no slug is given)')
    .action(async (slug: string | undefined, flags: ScopeFlags & { maxTtl: string }) => {
      const ctx = context();
      const maxTtlSeconds = durationFlag(flags.maxTtl, '--max-ttl');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, { ...flags, environment: slug === undefined ? flags.environment : checkSlug(slug, 'environment') });
      const p = await session.client.request<LeasePolicyView>('PUT', `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/lease-policy`, { body: { maxTtlSeconds } });
      print(ctx, `Leases of ${project}/${environment} may now last at most ${formatDuration(p.maxTtlSeconds)}.`);
    });
}
