import type { Command } from 'commander';
import { formatDuration, parseDuration } from '../../contract/issued-tokens.js';
import { SECRET_KEY_RE } from '../../contract/api.js';
import type { IssuedLease, LeasePolicyView, LeaseView } from '../../contract/leases.js';
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

export function registerLeaseCommands(program: Command, context: ContextFactory): void {
  const leases = program.command('leases').description('hand out short-lived, read-only access to a few secrets (bax-lease- tokens)');

  withScope(leases.command('issue'))
    .description('issue a lease; its token is printed once on stdout')
    .requiredOption('--scope <keys>', 'comma-separated secret keys the lease may read, e.g. "DB_PASSWORD,API_KEY"')
    .requiredOption('--ttl <duration>', 'how long it lasts, e.g. 15m, 4h (at most the environment\'s lease policy)')
    .requiredOption('--reason <text>', 'why (recorded in the Audit Log)')
    .action(async (flags: ScopeFlags & { scope: string; ttl: string; reason: string }) => {
      const ctx = context();
      const body = { scope: scopeFlag(flags.scope), ttlSeconds: durationFlag(flags.ttl, '--ttl'), reason: oneLine(flags.reason, '--reason') };
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
        `No leases in ${project}/${environment}.`,
      );
    });

  withScope(leases.command('revoke'))
    .description('revoke a lease: refused from its very next request')
    .argument('<id>', 'the lease id from `bella leases list`')
    .option('--reason <text>', 'why (recorded in the Audit Log)')
    .action(async (id: string, flags: ScopeFlags & { reason?: string }) => {
      const ctx = context();
      if (!/^[0-9a-f]{16}$/.test(id)) throw usageError(`invalid lease id ${JSON.stringify(id)}`, '`bella leases list` shows the ids (16 hex characters).');
      const reason = oneLine(flags.reason, '--reason');
      const session = openSession(ctx.env);
      const { project, environment } = await requireProjectEnv(session, flags);
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
