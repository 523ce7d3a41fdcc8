import { Option, type Command } from 'commander';
import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import { ACTOR_TYPES, OUTCOMES } from '../../contract/events.js';
import { HTTP_METHODS } from '../../contract/log-query.js';
import { TIME_FORMS_HELP } from '../../contract/time.js';
import { parseAccessFlags, parseAuditFlags, type RawAccessFlags, type RawAuditFlags } from '../log-flags.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS, runLogList, type LogKind } from '../log-list.js';
import { runProvedList } from '../log-list-proved.js';
import type { ContextFactory } from './shared.js';

const AUDIT: LogKind<AuditEntry> = { name: 'audit', path: '/api/v1/audit-logs', columns: AUDIT_COLUMNS };
const ACCESS: LogKind<AccessEntry> = { name: 'access', path: '/api/v1/access-logs', columns: ACCESS_COLUMNS };

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Flags both listings share. Values are validated in log-flags.ts, before any request. */
function commonFlags(cmd: Command): Command {
  return cmd
    .option('-p, --project <slug>', 'one project (default: the context\'s project, else every project you may read)')
    .option('-e, --environment <slug>', 'one environment')
    .option('--since <time>', `from this time: ${TIME_FORMS_HELP}`)
    .option('--until <time>', 'up to this time (same forms as --since)')
    .option('--actor <email|id>', 'who acted: a user\'s email or an actor id')
    .option('--actor-type <type>', ACTOR_TYPES.join('|'))
    .option('--client <name>', 'the calling application (actor.client: X-App-Client, else X-Bella-Client)')
    .option('--request-id <id>', 'one request\'s entries')
    .option('--limit <n>', 'at most n entries (table default 100; exports default all)')
    .option('-o, --output <format>', 'table (default), json, csv or ndjson')
    .addOption(new Option('--no-neutralize', 'csv: write cells starting with = + - @ tab or CR exactly as stored (default: prefix \')'));
}

export function registerLogCommands(program: Command, context: ContextFactory): void {
  const audit = program.command('audit').description('the Audit Log: every state change and access, event-typed');
  commonFlags(audit.command('list').description('list Audit Log entries, newest first'))
    .option('--event <names>', 'event type(s), repeatable or comma-separated, e.g. SecretRead', collect)
    .option('--outcome <outcome>', OUTCOMES.join('|'))
    .option('--resource <name>', 'what was acted upon (secret key, API key id, email…)')
    .option('--with-proof', 'with --output json: each entry with its inclusion proof and the signed checkpoint, for `bella audit verify FILE`')
    .action(async (flags: RawAuditFlags & { withProof?: boolean }) => {
      const ctx = context();
      const { withProof, ...rest } = flags;
      const listing = parseAuditFlags(rest, ctx.now());
      if (withProof) await runProvedList(listing, ctx);
      else await runLogList(AUDIT, listing, ctx);
    });

  const access = program.command('access').description('the Access Log: one row per API request');
  commonFlags(access.command('list').description('list Access Log entries, newest first'))
    .option('--method <method>', HTTP_METHODS.join('|'))
    .option('--status <code>', 'HTTP status, e.g. 403')
    .option('--path <path>', 'request path, e.g. /api/v1/projects/my-api')
    .action(async (flags: RawAccessFlags) => {
      const ctx = context();
      await runLogList(ACCESS, parseAccessFlags(flags, ctx.now()), ctx);
    });
}
