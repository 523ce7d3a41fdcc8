import { Command, CommanderError } from 'commander';
import { registerAdminBackupCommand } from './commands/admin-backup.js';
import { registerAdminRetentionCommands } from './commands/admin-retention.js';
import { registerApiKeyCommands } from './commands/api-keys.js';
import { registerSshCommands } from './commands/ssh.js';
import { registerProviderCommands } from './commands/providers.js';
import { registerAuditIntegrityCommands } from './commands/audit-integrity.js';
import { registerAuditStreamCommands } from './commands/audit-streams.js';
import { registerReportCommands } from './commands/reports.js';
import { registerAccessReviewCommands } from './commands/access-review.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerContextCommands } from './commands/context.js';
import { registerLeaseCommands } from './commands/leases.js';
import { registerAuthOidcCommand, registerTrustDomainCommands } from './commands/trust-domains.js';
import { registerLogCommands } from './commands/logs.js';
import { registerMemberCommands } from './commands/members.js';
import { registerProjectCommands } from './commands/projects.js';
import { registerPullCommand } from './commands/pull.js';
import { registerRunCommand } from './commands/run.js';
import { registerSecretCommands } from './commands/secrets.js';
import type { ContextFactory } from './commands/shared.js';
import { readCliEnv, type CliEnv, type CommandContext, type Io } from './env.js';
import { ChildExit, CliError, EXIT, formatError } from './errors.js';

export const VERSION = '0.1.0';

const EXIT_CODES_HELP = `
Environment:
  BELLA_BAXTER_URL       server (default http://127.0.0.1:8080)
  BELLA_BAXTER_API_KEY   API key (bax-…), used instead of the stored login; requests are HMAC-signed
  BELLA_BAXTER_PROJECT   default project;  BELLA_BAXTER_ENV  default environment
  ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN  inside GitHub Actions with no credential: keyless (docs/keyless-ci.md)
  BELLA_BAXTER_APP_CLIENT  application name recorded as actor.client (X-App-Client)
  BELLA_BAXTER_E2EE      off: values travel without end-to-end encryption (default: encrypted)
  NO_COLOR               disable colour

Exit codes: 0 ok, 1 error, 2 usage, 3 not authenticated or not permitted, 4 not found, 5 server unavailable.
Reference: docs/cli.md`;

/** Builds the command tree. Usage errors throw (exitOverride) so main.ts maps them to exit code 2. */
export function buildProgram(context: ContextFactory, writeOut: (s: string) => void, writeErr: (s: string) => void): Command {
  const program = new Command('bella')
    .description('Bella Baxter: secrets with an audit trail')
    .version(VERSION, '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    // commander's own messages ("error: unknown option '--frobnicate'") read like the CLI's others: `bella: …`.
    .configureOutput({ writeOut, writeErr, outputError: (str, write) => write(str.replace(/^error: /, 'bella: ')) });
  registerAuthCommands(program, context);
  registerContextCommands(program, context);
  registerProjectCommands(program, context);
  registerMemberCommands(program, context);
  registerSecretCommands(program, context);
  registerPullCommand(program, context);
  registerRunCommand(program, context);
  registerApiKeyCommands(program, context);
  registerSshCommands(program, context);
  registerProviderCommands(program, context);
  registerLeaseCommands(program, context);
  registerTrustDomainCommands(program, context);
  registerAuthOidcCommand(program, context);
  registerLogCommands(program, context);
  registerAuditIntegrityCommands(program, context);
  registerAuditStreamCommands(program, context);
  registerReportCommands(program, context);
  registerAccessReviewCommands(program, context);
  registerAdminRetentionCommands(program, context);
  registerAdminBackupCommand(program, context);
  // Every command: unknown options and stray arguments are usage errors, reported by commander.
  const strict = (cmd: Command) => {
    cmd.exitOverride().allowExcessArguments(false);
    cmd.commands.forEach(strict);
  };
  strict(program);
  return program;
}

/**
 * Runs one CLI invocation and returns its exit code. Nothing is printed to stdout by a failing
 * command: commands print only after their requests succeeded, and errors go to stderr.
 */
export async function runCli(argv: readonly string[], io: Io, vars: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  let env: CliEnv | null = null;
  const context = (): CommandContext => {
    env ??= readCliEnv(vars, cwd);
    return { env, io, now: () => new Date() };
  };
  const program = buildProgram(
    context,
    (s) => io.stdout.write(s),
    (s) => io.stderr.write(s),
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0; everything else commander
      // reports (unknown option, missing argument, a group without a subcommand) is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ChildExit) return err.code;
    if (err instanceof CliError) {
      io.stderr.write(formatError(err));
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'ENOSPC' || e.code === 'ENOENT') {
      io.stderr.write(formatError(new CliError(EXIT.error, e.message, 'Check the path and its permissions.')));
      return EXIT.error;
    }
    io.stderr.write(formatError(new CliError(EXIT.error, `unexpected error: ${e.stack ?? String(err)}`, 'Please report this with the command you ran.')));
    return EXIT.error;
  }
}
