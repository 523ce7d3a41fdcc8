import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { safeJsonStringify } from '../../contract/text-safety.js';
import type { CheckpointView, ProofView, PublicKeyView } from '../../contract/integrity.js';
import { entryLeafHash } from '../../integrity/canonical.js';
import { verifyInclusion } from '../../integrity/merkle.js';
import { checkEntry, type Problem } from '../../integrity/verify.js';
import { openSignedCheckpoint, readVerifierKey, reportLines, trustedCopies, trustedKey, verifyExportFile, verifyLive } from '../audit-verify.js';
import { info, print } from '../env.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { openSession } from '../session.js';
import { simpleFormat, withOutput, type ContextFactory } from './shared.js';

const seqFlag = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v.trim()) || Number(v) < 1) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: must be a seq, a whole number from 1`);
  return Number(v);
};

/** `bella audit public-key|checkpoint|prove|verify`: the verifiable Audit Log (docs/verification.md). */
export function registerAuditIntegrityCommands(program: Command, context: ContextFactory): void {
  const audit = program.commands.find((c) => c.name() === 'audit') ?? program.command('audit');

  withOutput(audit.command('public-key').description("print the Audit Log's checkpoint verifier key (<name>+<hex id>+<base64>)")).action(async (flags: { output?: string }) => {
    const ctx = context();
    const k = await openSession(ctx.env).client.get<PublicKeyView>('/api/v1/audit-log/public-key');
    print(ctx, simpleFormat(flags.output) === 'json' ? safeJsonStringify(k, 2) : k.publicKey);
  });

  withOutput(
    audit
      .command('checkpoint')
      .description('print the latest signed checkpoint (a C2SP signed note); keep it outside the server to check the log against later')
      .option('--fresh', 'instance admin: sign one now if the log grew'),
  ).action(async (flags: { output?: string; fresh?: boolean }) => {
    const ctx = context();
    const cp = await openSession(ctx.env).client.get<CheckpointView>('/api/v1/audit-log/checkpoint', flags.fresh ? { fresh: 'true' } : {});
    print(ctx, simpleFormat(flags.output) === 'json' ? safeJsonStringify(cp, 2) : cp.note);
  });

  withOutput(
    audit
      .command('prove')
      .argument('<id|seq>', 'an Audit Log entry id, or its seq (the Bella-Audit-Entry receipt of a response)')
      .description('fetch an entry\'s inclusion proof and check it: the entry is in the signed log')
      .option('--checkpoint <size>', 'prove against the stored checkpoint of this size (default: the latest)')
      .option('--public-key <key|file>', 'the verifier key to trust (default: the server\'s, with a warning)'),
  ).action(async (id: string, flags: { output?: string; checkpoint?: string; publicKey?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const size = seqFlag('--checkpoint', flags.checkpoint);
    const client = openSession(ctx.env).client;
    const key = await trustedKey(client, flags.publicKey, (s) => info(ctx, s));
    const p = await client.get<ProofView>(`/api/v1/audit-logs/${encodeURIComponent(id)}/proof`, size ? { checkpoint: size } : {});
    const cp = openSignedCheckpoint(p.checkpoint.note, key, 'served with the proof');
    const problems: Problem[] = [];
    const leaf = checkEntry(p.entry, problems);
    const included = leaf !== null && verifyInclusion(p.leafIndex, cp.size, leaf, p.inclusionProof.map((h) => Buffer.from(h, 'base64')), cp.root);
    if (leaf && p.leafIndex !== p.entry.seq - p.checkpoint.firstSeq) problems.push({ seq: p.entry.seq, field: 'seq', message: `leaf ${p.leafIndex} is not the leaf of seq ${p.entry.seq}` });
    if (!included) problems.push({ seq: p.entry.seq, field: 'entry', message: `is not leaf ${p.leafIndex} of checkpoint ${cp.size}` });
    if (format === 'json') print(ctx, safeJsonStringify({ ...p, verified: problems.length === 0, problems }, 2));
    else {
      print(
        ctx,
        [
          `entry      ${p.entry.id} (seq ${p.entry.seq}, ${p.entry.event}, ${p.entry.timestamp})`,
          `leaf       ${p.leafIndex}  ${leaf ? entryLeafHash({ ...p.entry, personalHash: p.entry.personalHash as string }).toString('hex') : '-'}`,
          `checkpoint ${cp.origin} size ${cp.size} root ${cp.root.toString('base64')} (signature by ${key.name}+${key.id.toString('hex')} verified)`,
          `proof      ${p.inclusionProof.length} hashes`,
          ...p.inclusionProof.map((h, i) => `  ${String(i).padStart(2)}  ${Buffer.from(h, 'base64').toString('hex')}`),
          ...problems.map((x) => `FAIL  seq ${x.seq}  ${x.field}: ${x.message}`),
          problems.length === 0 ? `OK  entry seq ${p.entry.seq} is included in checkpoint ${cp.size}` : 'FAILED',
        ].join('\n'),
      );
    }
    if (problems.length > 0) throw new CliError(EXIT.error, `the proof of entry ${id} does not verify`);
  });

  withOutput(
    audit
      .command('verify')
      .argument('[file]', 'an export made with `bella audit list --output json --with-proof` (verified offline); without it the live log is verified')
      .description('verify the Audit Log (live, whole or a seq range, or an export) against a signed checkpoint')
      .option('--checkpoint <file>', 'a signed checkpoint kept outside the server (default: the server\'s latest)')
      .option('--public-key <key|file>', 'the verifier key to trust (default: the server\'s, with a warning)')
      .option('--against <file>', 'an earlier export made with --with-proof: names the edited field of a changed entry it holds')
      .option('--from <seq>', 'first seq to verify (live)')
      .option('--to <seq>', 'last seq to verify (live)'),
  ).action(async (file: string | undefined, flags: { output?: string; checkpoint?: string; publicKey?: string; from?: string; to?: string; against?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const fromSeq = seqFlag('--from', flags.from);
    const toSeq = seqFlag('--to', flags.to);
    let report;
    if (file !== undefined) {
      if (flags.checkpoint || fromSeq || toSeq || flags.against) throw usageError('an export is verified against its own checkpoint: leave out --checkpoint, --against, --from and --to');
      if (flags.publicKey === undefined) throw usageError('verifying an export offline needs --public-key (the key printed by `bella audit public-key`)');
      report = verifyExportFile(file, readVerifierKey(flags.publicKey));
    } else {
      let note: string | null = null;
      if (flags.checkpoint !== undefined) {
        try {
          note = readFileSync(flags.checkpoint, 'utf8');
        } catch (e) {
          throw usageError(`cannot read --checkpoint ${flags.checkpoint}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      const client = openSession(ctx.env).client;
      const key = await trustedKey(client, flags.publicKey, (s) => info(ctx, s));
      const reference = flags.against !== undefined ? trustedCopies(flags.against, key) : undefined;
      report = await verifyLive(client, { key, checkpointNote: note, fromSeq, toSeq, reference });
    }
    const where = file !== undefined ? file : 'the live Audit Log';
    if (format === 'json') {
      print(ctx, safeJsonStringify({ ok: report.problems.length === 0, checkpoint: { ...report.checkpoint, root: report.checkpoint.root.toString('base64') }, fromSeq: report.fromSeq, toSeq: report.toSeq, verified: report.verified, purged: report.purged, newer: report.newer, problems: report.problems }, 2));
    } else print(ctx, reportLines(report, where).join('\n'));
    if (report.problems.length > 0) throw new CliError(EXIT.error, `verification failed: ${report.problems.length} problem(s); the first at seq ${report.problems[0]?.seq ?? '-'} (${report.problems[0]?.field})`);
  });
}
