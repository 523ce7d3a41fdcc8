import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FRAMEWORKS, type ErasureResult, type ReportListItem, type ReportPack } from '../../contract/reports.js';
import { safeJsonStringify } from '../../contract/text-safety.js';
import { sha256Hex } from '../../integrity/pack.js';
import { readVerifierKey } from '../audit-verify.js';
import { info, print, type CommandContext } from '../env.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { verifyPackDir } from '../report-verify.js';
import { openSession } from '../session.js';
import { printRows, simpleFormat, withOutput, type ContextFactory } from './shared.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Writes a pack's files into DIR (created; must be empty so no stale file sits beside the signed ones). */
export function writePack(dir: string, pack: Pick<ReportPack, 'files'>): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw usageError(`--out ${dir} is not empty`, 'Give a new or empty directory: a pack must hold only its own files.');
  mkdirSync(dir, { recursive: true });
  for (const f of pack.files) {
    if (!SAFE_NAME.test(f.name)) throw new CliError(EXIT.error, `the server sent a file named ${JSON.stringify(f.name.slice(0, 80))}, which is not a plain file name`, 'Refusing to write outside the output directory.');
    const b = Buffer.from(f.content, 'base64');
    if (sha256Hex(b) !== f.sha256) throw new CliError(EXIT.error, `${f.name} arrived damaged (its SHA-256 does not match)`, 'Run the command again.');
    writeFileSync(join(dir, f.name), b, { mode: 0o600 });
  }
}

/** Prints the result of verifying a pack; throws (exit 1) when it is not authentic or records a failed log verification. */
export function reportPackCheck(ctx: CommandContext, dir: string, publicKey: string | undefined): void {
  const r = verifyPackDir(dir, publicKey !== undefined ? readVerifierKey(publicKey) : undefined);
  if (!r.authentic) throw new CliError(EXIT.error, `the evidence pack in ${dir} does not verify:\n  ${r.problems.join('\n  ')}`, 'A file was changed, added or removed after the pack was signed; ask for a new pack.');
  const m = r.manifest;
  if (r.keySource === 'pack') info(ctx, `Using the public key the pack names (${m?.instance.publicKey}); pin it with --public-key (bella audit public-key) to detect a forged pack.`);
  print(ctx, `OK: ${m?.files.length ?? 0} files and the manifest match the signature by ${m?.instance.publicKey}`);
  if (m && !m.verification.ok) {
    throw new CliError(EXIT.error, `the pack is authentic, but it records that the Audit Log FAILED verification over its period:\n  ${m.verification.problems.map((p) => `seq ${p.seq ?? '-'} ${p.field}: ${p.message}`).join('\n  ')}`, 'The log was altered; investigate with bella audit verify.');
  }
}

/** `bella audit report …` and `bella audit report verify DIR` (docs/compliance.md). */
export function registerReportCommands(program: Command, context: ContextFactory): void {
  const audit = program.commands.find((c) => c.name() === 'audit') ?? program.command('audit');
  const report = audit
    .command('report')
    .description(`generate a signed compliance evidence pack (${FRAMEWORKS.join(', ')}) into --out DIR`)
    .option('--framework <name>', FRAMEWORKS.join(' | '))
    .option('--since <time>', 'start of the period (date or ISO time, inclusive)')
    .option('--until <time>', 'end of the period (a date includes that whole day)')
    .option('-p, --project <slug>', 'one project (default: the whole instance, instance admin only)')
    .option('--out <dir>', 'new or empty directory to write the pack into')
    .action(async (flags: { framework?: string; since?: string; until?: string; project?: string; out?: string }) => {
      const missing = (['framework', 'since', 'until', 'out'] as const).filter((k) => flags[k] === undefined);
      if (missing.length) throw usageError(`missing ${missing.map((k) => `--${k}`).join(', ')}`, 'Example: bella audit report --framework soc2 --since 2026-01-01 --until 2026-06-30 --out soc2-h1');
      const framework = flags.framework?.trim().toLowerCase() ?? '';
      if (!(FRAMEWORKS as readonly string[]).includes(framework)) throw usageError(`invalid --framework ${JSON.stringify(flags.framework)}`, `Valid values: ${FRAMEWORKS.join(', ')}.`);
      const out = flags.out as string;
      if (existsSync(out) && readdirSync(out).length > 0) throw usageError(`--out ${out} is not empty`, 'Give a new or empty directory: a pack must hold only its own files.');
      const ctx = context();
      const pack = await openSession(ctx.env).client.request<ReportPack>('POST', '/api/v1/reports', {
        body: { framework, since: flags.since, until: flags.until, ...(flags.project ? { project: flags.project } : {}) },
      });
      writePack(out, pack);
      for (const f of pack.files) print(ctx, `${f.sha256.slice(0, 16)}  ${String(f.bytes).padStart(9)}  ${f.name}`);
      info(ctx, `Wrote ${pack.files.length} files to ${out} (report ${pack.id}); check them with: bella audit report verify ${out}`);
    });

  report
    .command('verify')
    .argument('<dir>', 'a pack written by bella audit report')
    .description('check that no byte of the pack changed since the server signed it')
    .option('--public-key <key|file>', 'the verifier key to trust (bella audit public-key); default: the one in the pack, with a warning')
    .action((dir: string, flags: { publicKey?: string }) => reportPackCheck(context(), dir, flags.publicKey));

  audit
    .command('subject')
    .argument('<email>', 'the person (as actor or as target)')
    .description('GDPR subject access: everything both logs hold about one person, into a signed pack in --out DIR (admin or AUDITOR)')
    .requiredOption('--out <dir>', 'new or empty directory to write the pack into')
    .action(async (email: string, flags: { out: string }) => {
      if (existsSync(flags.out) && readdirSync(flags.out).length > 0) throw usageError(`--out ${flags.out} is not empty`, 'Give a new or empty directory: a pack must hold only its own files.');
      const ctx = context();
      const pack = await openSession(ctx.env).client.request<ReportPack>('POST', '/api/v1/reports/subject', { body: { email } });
      writePack(flags.out, pack);
      for (const f of pack.files) print(ctx, `${f.sha256.slice(0, 16)}  ${String(f.bytes).padStart(9)}  ${f.name}`);
      info(ctx, `Wrote ${pack.files.length} files to ${flags.out} (report ${pack.id}); check them with: bella audit report verify ${flags.out}`);
    });

  audit
    .command('erase-subject')
    .argument('<email>', 'a departed person (no memberships left)')
    .description("GDPR erasure: replace a departed person's email, name and IP in both logs (and their account) by a keyed pseudonym; proofs stay valid (instance admin)")
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (email: string, flags: { yes?: boolean }) => {
      if (!flags.yes) throw usageError('erasure cannot be undone: add --yes to confirm', 'Run `bella audit subject EMAIL --out DIR` first if the person asked for their data.');
      const ctx = context();
      const r = await openSession(ctx.env).client.request<ErasureResult>('POST', '/api/v1/admin/subjects/erase', { body: { email } });
      print(ctx, `Erased ${email}: now ${r.pseudonym} in ${r.auditEntries} Audit Log and ${r.accessEntries} Access Log entries${r.account ? ' and in their account' : ''}. bella audit verify still passes (the salts are gone, the commitments kept).`);
    });

  withOutput(report.command('list').description('reports generated so far (their ReportGenerated entries)').option('-p, --project <slug>', 'one project')).action(
    async (flags: { output?: string; project?: string }) => {
      const ctx = context();
      const r = await openSession(ctx.env).client.get<{ reports: ReportListItem[] }>('/api/v1/reports', flags.project ? { project: flags.project } : {});
      const format = simpleFormat(flags.output);
      if (format === 'json') return print(ctx, safeJsonStringify(r.reports, 2));
      printRows(
        ctx,
        format,
        [
          { header: 'TIME', value: (x: ReportListItem) => x.timestamp },
          { header: 'KIND', value: (x: ReportListItem) => x.framework ?? x.kind },
          { header: 'PERIOD', value: (x: ReportListItem) => (x.period ? `${x.period.from.slice(0, 10)}..${x.period.to.slice(0, 10)}` : '') },
          { header: 'PROJECT', value: (x: ReportListItem) => x.project ?? '(instance)' },
          { header: 'LOG', value: (x: ReportListItem) => (x.verificationOk === false ? 'FAILED' : 'verified') },
          { header: 'BY', value: (x: ReportListItem) => x.by ?? '' },
        ],
        r.reports,
        'No reports generated yet.',
      );
    },
  );
}
