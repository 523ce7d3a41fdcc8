import type { AuditEntry } from '../contract/entries.js';
import type { Framework, ReportFile, ReportListItem, ReportManifest, ReportPack, ReportRequest } from '../contract/reports.js';
import { parseTimeBound, TIME_FORMS_HELP } from '../contract/time.js';
import type { IntegrityService } from '../audit/integrity-service.js';
import { uuidv7 } from '../audit/ids.js';
import { RETENTION_DEFAULTS } from '../audit/retention.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import { manifestSignatureText, sha256Hex } from '../integrity/pack.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, forbidden } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { Store } from '../store/ports.js';
import type { AuditFilter } from '../store/types.js';
import type { ReportDocument } from './document.js';
import { buildEvidence, type ApiKeyFact, type PrivilegedHolder } from './evidence.js';
import { verifyPeriod, type PeriodCheck } from './period-verify.js';
import { renderHtml } from './render-html.js';
import { renderPdf } from './render-pdf.js';
import { PRIVILEGED_ROLES } from './sections.js';

/** Entries a report reads at most: beyond this the period must be narrowed (a pack is built in memory). */
export const MAX_REPORT_ENTRIES = 200_000;
const PAGE = 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export interface ReportDeps {
  readonly store: Pick<Store, 'auditLog' | 'accessLog' | 'members' | 'projects' | 'users' | 'apiKeys' | 'settings' | 'auditTree'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly scopes: ScopeResolver;
  readonly integrity: IntegrityService;
}

/** [from, to) of a report; a date-only `until` includes that whole day (a period "to 2026-06-30" ends at midnight after it). */
export function periodOf(since: string, until: string, now: Date): { from: string; to: string } {
  const a = parseTimeBound(since, now);
  if (!a) throw badRequest(`body.since: ${JSON.stringify(since.slice(0, 64))} is not ${TIME_FORMS_HELP}`);
  let b = parseTimeBound(until, now);
  if (!b) throw badRequest(`body.until: ${JSON.stringify(until.slice(0, 64))} is not ${TIME_FORMS_HELP}`);
  if (DATE_ONLY.test(until.trim())) b = new Date(b.getTime() + 86_400_000);
  if (a.getTime() >= b.getTime()) throw badRequest('body: since must be earlier than until');
  return { from: a.toISOString(), to: b.toISOString() };
}

/** Every entry matching a filter, oldest first (paged newest-first by seq, as the store reads). */
export async function collect(store: Pick<Store, 'auditLog'>, filter: AuditFilter): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.auditLog.query({ ...filter, beforeSeq: before }, PAGE);
    out.push(...page);
    if (out.length > MAX_REPORT_ENTRIES) throw badRequest(`the period holds more than ${MAX_REPORT_ENTRIES} entries; narrow it (several reports) or name a project`);
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    before = last.seq;
  }
  return out.reverse();
}

/** Which projects a report covers and whether the caller may produce it: a project needs logs.read in it, the whole instance the instance admin. */
export async function reportScope(deps: Pick<ReportDeps, 'scopes' | 'store'>, op: OpContext, project: string | undefined): Promise<{ slugs: string[] | null }> {
  const p = authenticated(op);
  if (project !== undefined) {
    await deps.scopes.resolve(op, project, null, 'logs.read');
    return { slugs: [project] };
  }
  if (p.kind === 'system' || (p.kind === 'user' && p.user.admin)) return { slugs: null };
  throw forbidden('a report over the whole instance needs the instance admin; name a project (--project) where you are OWNER, PROJECT_MANAGER or AUDITOR', 'admin_required');
}

/** Retention windows in force at an instant: the last RetentionChanged before it, else the defaults. */
async function retentionAt(store: Pick<Store, 'auditLog'>, at: string): Promise<{ auditDays: number; accessDays: number }> {
  const last = (await store.auditLog.query({ events: ['RetentionChanged'], outcome: 'Success', until: at }, 1))[0];
  const w = (last?.details as { new?: { auditDays?: unknown; accessDays?: unknown } } | undefined)?.new;
  return {
    auditDays: typeof w?.auditDays === 'number' ? w.auditDays : RETENTION_DEFAULTS.auditDays,
    accessDays: typeof w?.accessDays === 'number' ? w.accessDays : RETENTION_DEFAULTS.accessDays,
  };
}

export async function retentionOver(store: Pick<Store, 'auditLog'>, period: { from: string; to: string }): Promise<ReportManifest['retention']> {
  const start = await retentionAt(store, period.from);
  const end = await retentionAt(store, period.to);
  const changes = (await store.auditLog.query({ events: ['RetentionChanged'], outcome: 'Success', since: period.from, until: period.to }, 1000)).length;
  return { auditDaysAtStart: start.auditDays, accessDaysAtStart: start.accessDays, auditDaysAtEnd: end.auditDays, accessDaysAtEnd: end.accessDays, changes };
}

const actorLabel = (op: OpContext) => {
  const a = authenticated(op).actor;
  return a.email ?? a.name ?? `${a.type} ${a.id ?? ''}`.trim();
};

/**
 * Assembles a signed pack: renders the document to PDF and HTML, adds the CSVs, writes manifest.json
 * with every file's SHA-256 and signs it with the log key (manifest.sig). Shared by framework
 * reports and subject-access reports.
 */
export async function assemblePack(
  deps: Pick<ReportDeps, 'integrity'>,
  m: Omit<ReportManifest, 'format' | 'files' | 'instance' | 'checkpoint' | 'verification'>,
  doc: ReportDocument,
  csvs: ReadonlyMap<string, Buffer>,
  check: PeriodCheck,
): Promise<{ files: ReportFile[]; manifestSha256: string }> {
  const body = new Map<string, Buffer>([['summary.pdf', await renderPdf(doc, new Date(m.generatedAt))], ['summary.html', renderHtml(doc)], ...csvs]);
  const listed = [...body].map(([name, b]) => ({ name, sha256: sha256Hex(b), bytes: b.length }));
  const manifest: ReportManifest = {
    format: 'bella-evidence-pack/1',
    ...m,
    instance: { origin: check.origin, publicKey: check.publicKey },
    checkpoint: check.checkpoint,
    verification: check.verification,
    files: listed,
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  const sig = Buffer.from(await deps.integrity.signText(manifestSignatureText(manifestBytes)), 'utf8');
  body.set('manifest.json', manifestBytes);
  body.set('manifest.sig', sig);
  const files = [...body].map(([name, b]) => ({ name, sha256: sha256Hex(b), bytes: b.length, content: b.toString('base64') }));
  return { files, manifestSha256: sha256Hex(manifestBytes) };
}

/** Compliance evidence packs: SOC 2, ISO 27001, HIPAA and GDPR over a period (docs/compliance.md). */
export function createReportService(deps: ReportDeps) {
  const { store, uow, clock } = deps;

  async function holdersAndKeys(slugs: string[] | null): Promise<{ holders: PrivilegedHolder[]; apiKeys: ApiKeyFact[] }> {
    const holders: PrivilegedHolder[] = [];
    const apiKeys: ApiKeyFact[] = [];
    if (slugs === null) for (const u of await store.users.list()) if (u.admin) holders.push({ scope: 'instance', email: u.email, role: 'INSTANCE_ADMIN' });
    for (const project of await store.projects.list()) {
      if (slugs && !slugs.includes(project.slug)) continue;
      const envs = new Map((await store.projects.listEnvironments(project.id)).map((e) => [e.id, e.slug]));
      for (const m of await store.members.listOfProject(project.id)) {
        if (PRIVILEGED_ROLES.has(m.role)) holders.push({ scope: m.environmentId ? `${project.slug}/${envs.get(m.environmentId) ?? '?'}` : project.slug, email: m.email, role: m.role });
      }
      for (const k of await store.apiKeys.list(project.id)) {
        apiKeys.push({ scope: `${project.slug}/${envs.get(k.environmentId) ?? '?'}`, id: k.id, name: k.name, role: k.role, createdAt: k.createdAt, revokedAt: k.revokedAt });
      }
    }
    return { holders, apiKeys };
  }

  return {
    async generate(op: OpContext, req: ReportRequest): Promise<ReportPack> {
      op.audit.setScope({ projectSlug: req.project ?? null, resource: `report:${req.framework}` });
      const { slugs } = await reportScope(deps, op, req.project);
      const now = clock();
      const period = periodOf(req.since, req.until, now);
      const filter: AuditFilter = slugs ? { project: slugs[0], since: period.from, until: period.to } : { since: period.from, until: period.to };
      const entries = await collect(store, filter);
      const seqs = entries.map((e) => e.seq);
      const check = await verifyPeriod({ integrity: deps.integrity, store, clock }, seqs.length ? Math.min(...seqs) : null, seqs.length ? Math.max(...seqs) : null);
      const retention = await retentionOver(store, period);
      const { holders, apiKeys } = await holdersAndKeys(slugs);
      const by = actorLabel(op);
      const ev = buildEvidence({ framework: req.framework, period, project: req.project ?? null, entries, check, retention, holders, apiKeys, generatedAt: now, generatedBy: by });
      const id = uuidv7();
      const actor = authenticated(op).actor;
      const { files, manifestSha256 } = await assemblePack(
        deps,
        { id, kind: 'framework', framework: req.framework, generatedAt: now.toISOString(), generatedBy: { type: actor.type, id: actor.id, email: actor.email }, period, filters: { project: req.project ?? null }, retention, counts: ev.counts },
        ev.doc,
        ev.files,
        check,
      );
      op.audit.record({
        event: 'ReportGenerated',
        resource: `report:${req.framework}`,
        details: { reportId: id, kind: 'framework', framework: req.framework, period, project: req.project ?? null, manifestSha256, verificationOk: check.verification.ok, entries: entries.length },
      });
      await uow.run(op);
      return { id, framework: req.framework, files };
    },

    /** Reports generated so far (their ReportGenerated entries) that the caller may read, newest first. */
    async list(op: OpContext, project: string | undefined): Promise<{ reports: ReportListItem[] }> {
      const { slugs } = await reportScope(deps, op, project);
      const rows = await store.auditLog.query({ events: ['ReportGenerated'], outcome: 'Success', ...(slugs ? { project: slugs[0] } : {}) }, 500);
      return {
        reports: rows.map((e) => {
          const d = e.details as Record<string, unknown>;
          const period = d.period as { from: string; to: string } | undefined;
          return {
            id: typeof d.reportId === 'string' ? d.reportId : e.id,
            timestamp: e.timestamp,
            kind: typeof d.kind === 'string' ? d.kind : 'framework',
            framework: typeof d.framework === 'string' ? (d.framework as Framework) : null,
            period: period ?? null,
            project: e.projectSlug,
            manifestSha256: typeof d.manifestSha256 === 'string' ? d.manifestSha256 : null,
            verificationOk: typeof d.verificationOk === 'boolean' ? d.verificationOk : null,
            by: e.actor.email ?? e.actor.name,
          };
        }),
      };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
