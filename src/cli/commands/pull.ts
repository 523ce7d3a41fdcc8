import { chmodSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { PullResponse } from '../../contract/api.js';
import { seg } from '../api-client.js';
import { CliError, EXIT } from '../errors.js';
import { type CommandContext, print } from '../env.js';
import { dotenvRefusals, dotenvText } from '../output/dotenv.js';
import { openSession, requireProjectEnv, type ScopeFlags } from '../session.js';
import { withScope, type ContextFactory } from './shared.js';

/** Serialisations of pulled secrets: dotenv, JSON and YAML. */

export const PULL_FORMATS = ['dotenv', 'json', 'yaml'] as const;
export type PullFormat = (typeof PULL_FORMATS)[number];

/**
 * The .env text (rules in ../output/dotenv.ts). A secret that cannot be written so that shells and
 * dotenv both read it back exactly is refused, naming every such key, and nothing is written.
 */
export function renderDotenv(secrets: Readonly<Record<string, string>>): string {
  const refused = dotenvRefusals(secrets);
  if (refused.length > 0) {
    const n = refused.length;
    throw new CliError(
      EXIT.error,
      `cannot write ${n === 1 ? 'this secret' : `these ${n} secrets`} to a dotenv file safely (nothing was written):\n` +
        refused.map((r) => `  ${r.key}: ${r.reason}`).join('\n'),
      'Use -o json or -o yaml (or a .json/.yaml path), which hold every value exactly; docs/cli.md (bella pull) lists what dotenv output refuses.',
    );
  }
  return dotenvText(secrets);
}

export function renderJson(secrets: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.keys(secrets).sort().map((k) => [k, secrets[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * Characters JSON.stringify leaves raw that YAML must not see raw: DEL, C1 controls, non-characters
 * (outside YAML's printable set) and NEL/LS/PS, which YAML 1.1 parsers fold as line breaks.
 */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A YAML double-quoted scalar: JSON's escapes are YAML's, plus \uXXXX for YAML_UNSAFE. */
function yamlString(s: string): string {
  return JSON.stringify(s).replace(YAML_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** YAML mapping of double-quoted scalars, keys sorted (a key `__proto__` is an ordinary key). */
export function renderYaml(secrets: Readonly<Record<string, string>>): string {
  const keys = Object.keys(secrets).sort();
  if (keys.length === 0) return '{}\n';
  return keys.map((k) => `${yamlString(k)}: ${yamlString(secrets[k] as string)}\n`).join('');
}

export function render(format: PullFormat, secrets: Readonly<Record<string, string>>): string {
  return format === 'json' ? renderJson(secrets) : format === 'yaml' ? renderYaml(secrets) : renderDotenv(secrets);
}

/** Format of a target file from its name: .json, .yaml/.yml, anything else dotenv. */
export function formatForPath(path: string): PullFormat {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  return 'dotenv';
}

/** Where pulled secrets go: stdout in a format, or a file (format from its extension). */
export type PullTarget = { readonly kind: 'stdout'; readonly format: PullFormat } | { readonly kind: 'file'; readonly path: string; readonly format: PullFormat };

export function pullTarget(output: string | undefined, cwd: string): PullTarget {
  if (output === undefined) return { kind: 'file', path: join(cwd, '.env'), format: 'dotenv' };
  const f = PULL_FORMATS.find((x) => x === output.toLowerCase());
  if (f) return { kind: 'stdout', format: f };
  const path = resolve(cwd, output);
  return { kind: 'file', path, format: formatForPath(path) };
}

const exists = (path: string) => new CliError(EXIT.error, `${path} already exists`, 'Pass --force to overwrite it, or -o another path.');

/** Writes 0600 from the first byte; replacing goes through a temp file so a crash never leaves half a file. */
function writeSecretFile(path: string, text: string, force: boolean): void {
  if (!force) {
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists(path);
      throw err;
    }
    chmodSync(path, 0o600);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

async function pull(ctx: CommandContext, flags: ScopeFlags & { output?: string; force?: boolean }): Promise<void> {
  const target = pullTarget(flags.output, ctx.env.cwd);
  // Refuse before fetching: a pull is an audited bulk read, so do not make one that cannot be written.
  if (target.kind === 'file' && existsSync(target.path) && !flags.force) throw exists(target.path);
  const session = openSession(ctx.env);
  const { project, environment } = await requireProjectEnv(session, flags);
  const res = await session.client.values<PullResponse>('POST', `/api/v1/projects/${seg(project)}/environments/${seg(environment)}/pull`);
  const text = render(target.format, res.secrets);
  if (target.kind === 'stdout') return print(ctx, text);
  writeSecretFile(target.path, text, flags.force === true);
  const n = Object.keys(res.secrets).length;
  print(ctx, `Wrote ${n} ${n === 1 ? 'secret' : 'secrets'} from ${project}/${environment} to ${target.path} (mode 0600).`);
}

export function registerPullCommand(program: Command, context: ContextFactory): void {
  withScope(program.command('pull'))
    .description('fetch every secret of an environment into .env (or another file, or stdout)')
    .option('-o, --output <format|path>', 'dotenv, json or yaml to print to stdout; or a file path (default: ./.env)')
    .option('--force', 'overwrite the file if it exists')
    .action((flags: ScopeFlags & { output?: string; force?: boolean }) => pull(context(), flags));
}
