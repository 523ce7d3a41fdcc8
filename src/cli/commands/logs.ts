import { Option, type Command } from 'commander';
import type { AccessEntry, AuditEntry } from '../../contract/entries.js';
import { ACTOR_TYPES, OUTCOMES } from '../../contract/events.js';
import { HTTP_METHODS } from '../../contract/log-query.js';
import { SEARCH_KEYS } from '../../contract/log-search.js';
import { TIME_FORMS_HELP } from '../../contract/time.js';
import { parseAccessFlags, parseAuditFlags, type RawAccessFlags, type RawAuditFlags } from '../log-flags.js';
import { ACCESS_COLUMNS, AUDIT_COLUMNS, runLogList, type LogKind } from '../log-list.js';
import { runProvedList } from '../log-list-proved.js';
import { runLogShow } from '../log-show.js';
import type { ContextFactory } from './shared.js';

const AUDIT: LogKind<AuditEntry> = { name: 'audit', path: '/api/v1/audit-logs', columns: AUDIT_COLUMNS };
const ACCESS: LogKind<AccessEntry> = { name: 'access', path: '/api/v1/access-logs', columns: ACCESS_COLUMNS };

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Filter flags both listings share (listed first in --help). Values are validated in log-flags.ts, before any request. */
function filterFlags(cmd: Command): Command {
  return cmd
    .argument('[query...]', 'a search, e.g. actor:alice@example.com -event:UserLogin (docs/search.md); same as --query')
    .option('-q, --query <search>', 'a search in the syntax of docs/search.md, ANDed with the flags')
    .option('-p, --project <slug>', 'one project (default: the context\'s project, else every project you may read)')
    .option('-e, --environment <slug>', 'one environment')
    .option('--since <time>', `from this time: ${TIME_FORMS_HELP}`)
    .option('--until <time>', 'up to this time (same forms as --since)')
    .option('--actor <email|id>', 'who acted: a user\'s email or an actor id')
    .option('--actor-type <type>', ACTOR_TYPES.join('|'))
    .option('--client <name>', 'the calling application (actor.client: X-App-Client, else X-Bella-Client)')
    .option('--request-id <id>', 'one request\'s entries');
}

/** Output flags, after the filters. */
function outputFlags(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'at most n entries (table default 100; exports default all; with --follow: stop after n)')
    .option('-f, --follow', 'keep printing new entries as they are recorded (like tail -f); resumes after a dropped connection')
    .option('-o, --output <format>', 'table (default; tab-separated when piped), json, csv or ndjson')
    .addOption(new Option('--no-neutralize', 'csv: write cells starting with = + - @ tab or CR exactly as stored (default: prefix \')'));
}

const queryOf = (positional: readonly string[], flag: string | undefined): string | undefined => {
  const parts = [flag, positional.length > 0 ? positional.join(' ') : undefined].filter((x): x is string => x !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
};

const keysHelp = (log: 'audit' | 'access') =>
  SEARCH_KEYS.filter((k) => (k.logs as readonly string[]).includes(log))
    .map((k) => `  ${`${k.key}:`.padEnd(13)}${k.help}`)
    .join('\n');

const AUDIT_EXAMPLES = `
Examples:
  bella audit list -p my-api 'event:SecretRead resource:DB_*'
  bella audit list -p my-api outcome:Denied created:>-24h
  bella audit list --query 'actor:alice@example.com -event:UserLogin' -e production
  bella audit list -p my-api --follow                  # new entries as they are recorded
  bella audit list -p my-api | grep DB_PASSWORD        # piped: full values, tab-separated
  bella audit list -p my-api -o csv > audit.csv
  bella audit show 0192f1a2-7b3c-7def-8123-456789abcdef

Search keys (docs/search.md; bare words match a resource or an actor; -key: negates):
${keysHelp('audit')}`;

const ACCESS_EXAMPLES = `
Examples:
  bella access list -p my-api status:401,403 created:>-1h
  bella access list --path /api/v1/audit-logs --hide-own
  bella access list --follow 'path:/api/v1/projects/*'
  bella access show 0192f1a2-7b3c-7def-8123-456789abcdef

Search keys (docs/search.md; bare words match a path or an actor; -key: negates):
${keysHelp('access')}`;

export function registerLogCommands(program: Command, context: ContextFactory): void {
  const audit = program.command('audit').description('the Audit Log: every state change and access, event-typed');
  outputFlags(
    filterFlags(audit.command('list').description('list Audit Log entries, newest first (or follow new ones)'))
      .option('--event <names>', 'event type(s), repeatable or comma-separated, e.g. SecretRead', collect)
      .option('--outcome <outcome>', OUTCOMES.join('|'))
      .option('--resource <name>', 'what was acted upon (secret key, API key id, email…)'),
  )
    .option('--with-proof', 'with --output json: each entry with its inclusion proof and the signed checkpoint, for `bella audit verify FILE`')
    .addHelpText('after', AUDIT_EXAMPLES)
    .action(async (words: string[], flags: RawAuditFlags & { withProof?: boolean }) => {
      const ctx = context();
      const { withProof, ...rest } = flags;
      const listing = parseAuditFlags({ ...rest, query: queryOf(words, flags.query) }, ctx.now());
      if (withProof) await runProvedList(listing, ctx);
      else await runLogList(AUDIT, listing, ctx);
    });
  audit
    .command('show')
    .description('one Audit Log entry, in full (its permalink)')
    .argument('<id>', 'the entry id (the id field of -o json, or the WebApp\'s link)')
    .option('-o, --output <format>', 'text (default) or json')
    .action(async (id: string, flags: { output?: string }) => runLogShow(AUDIT, id, flags.output, context()));

  const access = program.command('access').description('the Access Log: one row per API request');
  outputFlags(
    filterFlags(access.command('list').description('list Access Log entries, newest first (or follow new ones)'))
      .option('--method <method>', HTTP_METHODS.join('|'))
      .option('--status <code>', 'HTTP status, e.g. 403')
      .option('--path <path>', 'request path, e.g. /api/v1/projects/my-api (matches with or without its query)')
      .option('--hide-own', 'leave out your own requests (your page loads and listings)'),
  )
    .addHelpText('after', ACCESS_EXAMPLES)
    .action(async (words: string[], flags: RawAccessFlags) => {
      const ctx = context();
      await runLogList(ACCESS, parseAccessFlags({ ...flags, query: queryOf(words, flags.query) }, ctx.now()), ctx);
    });
  access
    .command('show')
    .description('one Access Log entry, in full')
    .argument('<id>', 'the entry id')
    .option('-o, --output <format>', 'text (default) or json')
    .action(async (id: string, flags: { output?: string }) => runLogShow(ACCESS, id, flags.output, context()));
}
