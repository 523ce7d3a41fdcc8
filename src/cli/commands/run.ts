import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import type { EnvironmentSecrets } from '../../contract/api.js';
import { seg } from '../api-client.js';
import { ChildExit, CliError, EXIT } from '../errors.js';
import type { CommandContext } from '../env.js';
import { openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { withScope, type ContextFactory } from './shared.js';

/** Signals the CLI passes on to the child instead of dying first (Ctrl-C reaches both anyway). */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `bella run [--app NAME] -- cmd args…`: fetches every value of the environment (one audited bulk
 * read, end-to-end encrypted, the app name in the entry's actor.client) and runs cmd with them in its
 * environment. Nothing is written to disk; the values live only in the child's environment.
 */
async function run(ctx: CommandContext, command: string, args: readonly string[], flags: ScopeFlags & { app?: string }): Promise<void> {
  const session = openSession(flags.app === undefined ? ctx.env : { ...ctx.env, appClient: flags.app });
  const { project, environment } = await requireProjectEnv(session, flags);
  const res = await session.client.values<EnvironmentSecrets>('GET', `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/secrets`);
  // The environment's own variables stay; a secret of the same name wins.
  const env: NodeJS.ProcessEnv = { ...process.env, ...res.secrets };
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: 'inherit', env });
    const handlers = FORWARDED.map((sig) => {
      const h = () => child.kill(sig);
      process.removeAllListeners(sig);
      process.on(sig, h);
      return [sig, h] as const;
    });
    const done = () => handlers.forEach(([sig, h]) => process.off(sig, h));
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      reject(
        err.code === 'ENOENT'
          ? new CliError(EXIT.error, `cannot run ${JSON.stringify(command)}: command not found`, 'Check the name and PATH; put the command after --, e.g. bella run -- node app.js.')
          : new CliError(EXIT.error, `cannot run ${JSON.stringify(command)}: ${err.message}`),
      );
    });
    child.once('exit', (c, signal) => {
      done();
      resolve(c ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
  if (code !== 0) throw new ChildExit(code);
}

export function registerRunCommand(program: Command, context: ContextFactory): void {
  withScope(program.command('run'))
    .description("run a command with the environment's secrets in its environment (never written to disk)")
    .option('--app <name>', 'the application name the Audit Log records as actor.client (default: BELLA_BAXTER_APP_CLIENT)')
    .argument('<command>', 'the program to run (after --)')
    .argument('[args...]', 'its arguments')
    .usage('[options] -- <command> [args...]')
    .action((command: string, args: string[], flags: ScopeFlags & { app?: string }) => run(context(), command, args, flags));
}
