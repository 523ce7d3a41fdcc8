import type { AuditEntry } from '../contract/entries.js';
import { FRAMEWORK_NAMES, type Framework, type ReportManifest } from '../contract/reports.js';
import { table, type Block, type ReportDocument } from './document.js';
import { csvFile, entriesCsv } from './csv.js';
import type { PeriodCheck } from './period-verify.js';
import { isBreakGlass, SECTIONS } from './sections.js';

/** API keys older than this and still active are flagged unrotated. */
export const UNROTATED_DAYS = 90;
/** HIPAA §164.316(b)(2): documentation kept six years (six years of 365 days and the leap days in them). */
export const HIPAA_DAYS = 2192;

export interface PrivilegedHolder {
  readonly scope: string;
  readonly email: string;
  readonly role: string;
}
export interface ApiKeyFact {
  readonly scope: string;
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface EvidenceInput {
  readonly framework: Framework;
  readonly period: { readonly from: string; readonly to: string };
  readonly project: string | null;
  /** Every entry of the period in the report's scope, oldest first */
  readonly entries: readonly AuditEntry[];
  readonly check: PeriodCheck;
  readonly retention: ReportManifest['retention'];
  readonly holders: readonly PrivilegedHolder[];
  readonly apiKeys: readonly ApiKeyFact[];
  readonly generatedAt: Date;
  readonly generatedBy: string;
}

export interface Evidence {
  readonly doc: ReportDocument;
  /** CSV files by name */
  readonly files: ReadonlyMap<string, Buffer>;
  readonly counts: Readonly<Record<string, number>>;
}

const DAY = 86_400_000;

/** Success/Denied/total per event of some entries, most frequent first. */
function byEvent(entries: readonly AuditEntry[]): [string, number, number, number][] {
  const m = new Map<string, [number, number]>();
  for (const e of entries) {
    const c = m.get(e.event) ?? [0, 0];
    c[e.outcome === 'Denied' ? 1 : 0]++;
    m.set(e.event, c);
  }
  return [...m].map(([ev, [s, d]]) => [ev, s, d, s + d] as [string, number, number, number]).sort((a, b) => b[3] - a[3] || a[0].localeCompare(b[0]));
}

/** Builds the summary's blocks and the evidence CSVs from the period's entries and the state now. */
export function buildEvidence(input: EvidenceInput): Evidence {
  const { entries, check, framework } = input;
  const files = new Map<string, Buffer>();
  const counts: Record<string, number> = { entries: entries.length };
  const v = check.verification;
  const blocks: Block[] = [
    {
      kind: 'fields',
      rows: [
        ['Framework', FRAMEWORK_NAMES[framework]],
        ['Period', `${input.period.from} to ${input.period.to} (end exclusive)`],
        ['Scope', input.project ? `project ${input.project}` : 'the whole instance'],
        ['Generated', `${input.generatedAt.toISOString()} by ${input.generatedBy}`],
        ['Log key', check.publicKey],
        ['Log integrity', v.ok ? `VERIFIED: ${v.verified} entries (seq ${v.fromSeq ?? '-'}..${v.toSeq ?? '-'}) match checkpoint ${check.checkpoint?.size ?? '-'}` : `FAILED: ${v.problems.length} problem(s); see section Log integrity and retention`],
        ['Entries in period', String(entries.length)],
      ],
    },
    { kind: 'heading', text: 'Activity in the period' },
    table(['Event', 'Success', 'Denied', 'Total'], byEvent(entries)),
  ];
  for (const [ev, s, d] of byEvent(entries)) {
    counts[`event.${ev}.Success`] = s;
    counts[`event.${ev}.Denied`] = d;
  }
  SECTIONS.forEach((sec, i) => {
    const picked = entries.filter(sec.picks);
    const file = `${String(i + 1).padStart(2, '0')}-${sec.id}.csv`;
    files.set(file, entriesCsv(picked));
    counts[`section.${sec.id}`] = picked.length;
    const denied = picked.filter((e) => e.outcome === 'Denied').length;
    blocks.push(
      { kind: 'heading', text: `${i + 1}. ${sec.title}` },
      { kind: 'text', text: `Controls: ${sec.controls[framework].join(', ')}. ${sec.purpose}` },
      { kind: 'text', text: `Entries: ${picked.length} (Success ${picked.length - denied}, Denied ${denied}). Evidence: ${file}.` },
      table(['Event', 'Success', 'Denied', 'Total'], byEvent(picked)),
    );
    if (sec.id === 'access-control-changes' && picked.length > 0) {
      blocks.push(table(['Time', 'Event', 'Target', 'Change', 'Approved by'], picked.map((e) => [e.timestamp.slice(0, 19).replace('T', ' '), e.event, targetOf(e), changeOf(e), e.actor.email ?? e.actor.name ?? e.actor.type]), file));
    }
    if (sec.id === 'privileged-access') {
      const glass = picked.filter(isBreakGlass);
      counts.breakGlass = glass.length;
      counts.privilegedHolders = input.holders.length;
      files.set('privileged-holders.csv', csvFile(['scope', 'email', 'role'], input.holders.map((h) => [h.scope, h.email, h.role])));
      blocks.push(
        { kind: 'text', text: `Break-glass memberships (an admin adding themselves) in the period: ${glass.length}. Privileged holders at generation: ${input.holders.length} (privileged-holders.csv).` },
        table(['Scope', 'Email', 'Role'], input.holders.map((h) => [h.scope, h.email, h.role]), 'privileged-holders.csv'),
      );
    }
    if (sec.id === 'credential-lifecycle') {
      const now = input.generatedAt.getTime();
      const rows = input.apiKeys.map((k) => {
        const age = Math.floor((now - Date.parse(k.createdAt)) / DAY);
        const flag = k.revokedAt ? 'revoked' : age > UNROTATED_DAYS ? `UNROTATED (> ${UNROTATED_DAYS} days)` : 'active';
        return [k.scope, k.name, k.role, k.createdAt.slice(0, 10), age, flag] as [string, string, string, string, number, string];
      });
      counts.apiKeys = rows.length;
      counts.unrotatedApiKeys = rows.filter((r) => r[5].startsWith('UNROTATED')).length;
      files.set('api-keys.csv', csvFile(['scope', 'id', 'name', 'role', 'createdAt', 'revokedAt', 'ageDays', 'status'], input.apiKeys.map((k, j) => [k.scope, k.id, k.name, k.role, k.createdAt, k.revokedAt, (rows[j] as unknown[])[4] as number, (rows[j] as unknown[])[5] as string])));
      blocks.push(
        { kind: 'text', text: `API keys at generation: ${rows.length}; unrotated (active, older than ${UNROTATED_DAYS} days): ${counts.unrotatedApiKeys} (api-keys.csv).` },
        table(['Scope', 'Name', 'Role', 'Created', 'Age (days)', 'Status'], rows, 'api-keys.csv'),
      );
    }
    if (sec.id === 'denied-and-failed-logins') {
      const groups = new Map<string, number>();
      for (const e of picked) {
        const k = JSON.stringify([e.event, e.reason ?? '', e.actor.email ?? e.actor.id ?? e.actor.type]);
        groups.set(k, (groups.get(k) ?? 0) + 1);
      }
      const rows = [...groups].map(([k, n]) => [...(JSON.parse(k) as string[]), n] as [string, string, string, number]).sort((a, b) => b[3] - a[3]);
      counts.deniedGroups = rows.length;
      files.set('denied-grouped.csv', csvFile(['event', 'reason', 'actor', 'count'], rows));
      blocks.push(table(['Event', 'Reason', 'Actor', 'Count'], rows, 'denied-grouped.csv'));
    }
    if (sec.id === 'log-integrity-and-retention') {
      const r = input.retention;
      blocks.push({
        kind: 'fields',
        rows: [
          ['Verification', v.ok ? 'VERIFIED' : 'FAILED'],
          ['Entries checked', `${v.verified} (seq ${v.fromSeq ?? '-'}..${v.toSeq ?? '-'}), ${v.purged} purged by retention`],
          ['Checkpoint', check.checkpoint ? `size ${check.checkpoint.size}, root ${check.checkpoint.root}` : 'none'],
          ['Audit Log retention', `${r.auditDaysAtStart} days at the start, ${r.auditDaysAtEnd} days at the end (${r.changes} change(s) in the period)`],
          ['Access Log retention', `${r.accessDaysAtStart} days at the start, ${r.accessDaysAtEnd} days at the end`],
          ...(framework === 'hipaa'
            ? [['HIPAA six years', Math.min(r.auditDaysAtStart, r.auditDaysAtEnd) >= HIPAA_DAYS ? `met: the Audit Log kept at least ${HIPAA_DAYS} days throughout` : `NOT met: §164.316(b)(2) asks for six years (${HIPAA_DAYS} days); set it with bella admin retention set --audit ${HIPAA_DAYS}d`] as [string, string]]
            : []),
        ],
      });
      if (!v.ok) blocks.push(table(['Seq', 'Field', 'Problem'], v.problems.map((p) => [p.seq === null ? '-' : String(p.seq), p.field, p.message])));
    }
  });
  return { doc: { title: `Bella Baxter evidence: ${FRAMEWORK_NAMES[framework]}`, blocks }, files, counts };
}

/** What a change was made to: the member (resource), or for a review decision the grant it decided. */
function targetOf(e: AuditEntry): string {
  const grant = (e.details as { grant?: unknown }).grant;
  return e.event === 'AccessReviewDecided' && typeof grant === 'string' ? grant : (e.resource ?? '');
}

function changeOf(e: AuditEntry): string {
  const d = e.details as Record<string, unknown>;
  if (e.event === 'MemberRoleChanged') return `${String(d.from)} → ${String(d.to)}`;
  if (typeof d.role === 'string') return `${d.role}${typeof d.scope === 'string' ? ` (${d.scope})` : ''}`;
  if (typeof d.decision === 'string') return `${d.decision}${typeof d.revocation === 'string' ? ` (${d.revocation})` : ''}`;
  if (typeof d.restricted === 'boolean') return d.restricted ? 'restricted' : 'unrestricted';
  return e.outcome === 'Denied' ? `Denied (${e.reason ?? ''})` : '';
}
