import type { Command } from 'commander';
import { DECISIONS, type AccessReviewSummary, type AccessReviewView } from '../../contract/access-review.js';
import { safeJsonStringify } from '../../contract/text-safety.js';
import { seg } from '../api-client.js';
import { print, type CommandContext } from '../env.js';
import { usageError } from '../errors.js';
import { openSession, requireProject } from '../session.js';
import { printRows, simpleFormat, withOutput, type ContextFactory } from './shared.js';

type Grant = AccessReviewView['grants'][number];

const day = (s: string | null) => (s ? s.slice(0, 10) : 'never');

function printReview(ctx: CommandContext, format: ReturnType<typeof simpleFormat>, v: AccessReviewView): void {
  if (format === 'json') return print(ctx, safeJsonStringify(v, 2));
  print(ctx, `Access review ${v.id} of ${v.project}, started ${v.startedAt} by ${v.startedBy ?? '?'}: ${v.decided} of ${v.total} grants decided; unused = no secret read for ${v.unusedDays} days.`);
  printRows(
    ctx,
    'table',
    [
      { header: '#', value: (g: Grant) => String(g.n) },
      { header: 'KIND', value: (g: Grant) => g.kind },
      { header: 'SUBJECT', value: (g: Grant) => g.subject, min: 12, squeeze: 1 },
      { header: 'ROLE', value: (g: Grant) => g.role },
      { header: 'SCOPE', value: (g: Grant) => g.environment ?? '(project)' },
      { header: 'LAST USE', value: (g: Grant) => day(g.lastUsedAt) },
      { header: 'FLAG', value: (g: Grant) => (g.unused ? 'UNUSED' : '') },
      { header: 'DECISION', value: (g: Grant) => (g.decision ? `${g.decision.decision}${g.decision.revocation ? ` (${g.decision.revocation})` : ''}: ${g.decision.rationale}` : '-'), min: 8, squeeze: 2, drop: 1 },
    ],
    v.grants,
    'The project has no grants.',
  );
}

/** `bella access-review start|list|show|decide` (docs/compliance.md#access-review). */
export function registerAccessReviewCommands(program: Command, context: ContextFactory): void {
  const cmd = program.command('access-review').description('review every grant of a project (members, API keys, trust domains) with its last use; keep or revoke each');
  const base = (project: string) => `/api/v1/projects/${seg(project)}/access-reviews`;
  const project = (c: Command) => c.option('-p, --project <slug>', 'project (default: context)');

  withOutput(project(cmd.command('start').description('freeze the project\'s grants into a new review and list them'))).action(async (flags: { project?: string; output?: string }) => {
    const ctx = context();
    const s = openSession(ctx.env);
    const p = await requireProject(s, { project: flags.project });
    printReview(ctx, simpleFormat(flags.output), await s.client.request<AccessReviewView>('POST', base(p)));
  });

  withOutput(project(cmd.command('list').description("the project's reviews, newest first"))).action(async (flags: { project?: string; output?: string }) => {
    const ctx = context();
    const s = openSession(ctx.env);
    const p = await requireProject(s, { project: flags.project });
    const r = await s.client.get<{ reviews: AccessReviewSummary[] }>(base(p));
    printRows(
      ctx,
      simpleFormat(flags.output),
      [
        { header: 'ID', value: (x: AccessReviewSummary) => x.id },
        { header: 'STARTED', value: (x: AccessReviewSummary) => x.startedAt },
        { header: 'BY', value: (x: AccessReviewSummary) => x.startedBy ?? '' },
        { header: 'DECIDED', value: (x: AccessReviewSummary) => `${x.decided}/${x.total}` },
      ],
      r.reviews,
      'No access reviews yet: bella access-review start',
    );
  });

  withOutput(project(cmd.command('show').argument('<id>', 'review id').description('a review: every grant, its last use and its decision'))).action(
    async (id: string, flags: { project?: string; output?: string }) => {
      const ctx = context();
      const s = openSession(ctx.env);
      const p = await requireProject(s, { project: flags.project });
      printReview(ctx, simpleFormat(flags.output), await s.client.get<AccessReviewView>(`${base(p)}/${seg(id)}`));
    },
  );

  project(
    cmd
      .command('decide')
      .argument('<id>', 'review id')
      .description('record keep or revoke for one grant, with a rationale (audited); revoke removes the grant now')
      .requiredOption('--grant <n>', 'the grant\'s number (#) in the review')
      .requiredOption('--decision <keep|revoke>', DECISIONS.join(' or '))
      .requiredOption('--rationale <text>', 'why (kept in the Audit Log)'),
  ).action(async (id: string, flags: { project?: string; grant: string; decision: string; rationale: string }) => {
    if (!/^\d{1,6}$/.test(flags.grant.trim())) throw usageError(`invalid --grant ${JSON.stringify(flags.grant)}: the grant's number (#) in the review`);
    const decision = flags.decision.trim().toLowerCase();
    if (!(DECISIONS as readonly string[]).includes(decision)) throw usageError(`invalid --decision ${JSON.stringify(flags.decision)}`, 'Valid values: keep, revoke.');
    const ctx = context();
    const s = openSession(ctx.env);
    const p = await requireProject(s, { project: flags.project });
    const v = await s.client.request<AccessReviewView>('POST', `${base(p)}/${seg(id)}/decisions`, { body: { grant: Number(flags.grant), decision, rationale: flags.rationale } });
    const g = v.grants.find((x) => x.n === Number(flags.grant));
    print(ctx, `Grant ${g?.n}: ${g?.kind} ${g?.subject} (${g?.role}) → ${decision}${g?.decision?.revocation ? ` (${g.decision.revocation})` : ''}. ${v.decided} of ${v.total} decided.`);
  });
}
