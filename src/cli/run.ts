import { CommanderError } from 'commander';
import { readCliEnv, type CliEnv } from './env.js';
import { CliError, EXIT, formatError, type ExitCode } from './errors.js';
import type { CommandContext, Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * Runs one CLI invocation and returns its exit code. Nothing is printed to stdout by a failing
 * command: commands print only after their requests succeeded, and errors go to stderr.
 */
export async function runCli(argv: readonly string[], io: Io, vars: NodeJS.ProcessEnv, cwd: string): Promise<ExitCode> {
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
