import { createHmac, randomBytes } from 'node:crypto';
import { ACCESS_CSV_COLUMNS, type AccessEntry, type AuditEntry } from '../contract/entries.js';
import { cellOf } from '../contract/csv.js';
import type { ErasureResult, ReportPack } from '../contract/reports.js';
import type { IntegrityService } from '../audit/integrity-service.js';
import { uuidv7 } from '../audit/ids.js';
import { logReadScope } from '../audit/log-read-scope.js';
import { systemOp } from '../audit/recorder.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, conflict, forbidden } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { LogFilterBase } from '../store/types.js';
import { table, type Block } from './document.js';
import { csvFile, entriesCsv } from './csv.js';
import { verifyPeriod } from './period-verify.js';
import { assemblePack, MAX_REPORT_ENTRIES, retentionOver } from './report-service.js';

const KEY_SETTING = 'subjects.pseudonymKey';
const KEY_PURPOSE = 'subject-pseudonym-key';
const PAGE = 1000;

export interface SubjectDeps {
  readonly store: Pick<Store, 'auditLog' | 'accessLog' | 'members' | 'projects' | 'users' | 'settings' | 'auditTree'>;
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly scopes: ScopeResolver;
  readonly integrity: IntegrityService;
  readonly keyring: Pick<KeyRing, 'sealInstance' | 'openInstance'>;
}

/** Every row of a newest-first, seq-paged query, oldest first. */
async function all<E extends { seq: number }>(query: (before: number | undefined) => Promise<E[]>): Promise<E[]> {
  const out: E[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await query(before);
    out.push(...page);
    if (out.length > MAX_REPORT_ENTRIES) throw badRequest(`more than ${MAX_REPORT_ENTRIES} entries concern this person; a subject report holds at most that many`);
    const last = page[page.length - 1];
    if (!last || page.length < PAGE) break;
    before = last.seq;
  }
  return out.reverse();
}

const bySeq = <E extends { seq: number }>(...lists: E[][]): E[] => [...new Map(lists.flat().map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);

/** GDPR subject access (Art. 15) and erasure of a departed person's personal fields (docs/compliance.md). */
export function createSubjectService(deps: SubjectDeps) {
  const { store, uow, clock } = deps;
  let key: Buffer | null = null;

  async function pseudonymKey(): Promise<Buffer> {
    if (key) return key;
    if (!(await store.settings.get(KEY_SETTING))) {
      const sealed = deps.keyring.sealInstance(randomBytes(32), KEY_PURPOSE).toString('base64');
      // Two nodes at once: the first key stored wins, both use it.
      await uow.run(systemOp({ clock }), async (tx) => void (await tx.settings.insertIfAbsent(KEY_SETTING, sealed)));
    }
    const stored = await store.settings.get(KEY_SETTING);
    if (!stored) throw new Error('the pseudonym key could not be stored');
    key = deps.keyring.openInstance(Buffer.from(stored, 'base64'), KEY_PURPOSE);
    return key;
  }

  /** erased:<16 hex>: HMAC-SHA256 of the lower-cased email under the instance's pseudonym key. */
  async function pseudonymOf(email: string): Promise<string> {
    return `erased:${createHmac('sha256', await pseudonymKey()).update(email.toLowerCase()).digest('hex').slice(0, 16)}`;
  }

  return {
    pseudonymOf,

    /** Everything both logs hold about one person, as actor and as target, into a signed pack. */
    async access(op: OpContext, email: string): Promise<ReportPack> {
      op.audit.setScope({ resource: 'report:subject-access' });
      const scope = await logReadScope(deps, op, undefined);
      if (scope.projectIn && scope.projectIn.length === 0) throw forbidden('a subject-access report needs the instance admin or the AUDITOR (or OWNER, PROJECT_MANAGER) role in a project', 'insufficient_role');
      const user = await store.users.getByEmail(email);
      const base: LogFilterBase = { ...scope };
      const auditQ = (f: Record<string, unknown>) => all((before) => store.auditLog.query({ ...base, ...f, beforeSeq: before }, PAGE));
      const asActor = bySeq(await auditQ({ actor: email }), user ? await auditQ({ actor: user.id, actorType: 'User' }) : []);
      const asTarget = (await auditQ({ resource: email })).filter((e) => !asActor.some((a) => a.seq === e.seq));
      const accessQ = (f: Record<string, unknown>) => all((before) => store.accessLog.query({ ...base, ...f, beforeSeq: before }, PAGE));
      const access: AccessEntry[] = bySeq(await accessQ({ actor: email }), user ? await accessQ({ actor: user.id, actorType: 'User' }) : []);
      const now = clock();
      const audit = bySeq(asActor, asTarget);
      const seqs = audit.map((e) => e.seq);
      const check = await verifyPeriod({ integrity: deps.integrity, store, clock }, seqs.length ? Math.min(...seqs) : null, seqs.length ? Math.max(...seqs) : null);
      const first = [audit[0]?.timestamp, access[0]?.timestamp].filter((x): x is string => !!x).sort()[0] ?? now.toISOString();
      const period = { from: first, to: now.toISOString() };
      const events = (list: readonly AuditEntry[]) => {
        const m = new Map<string, number>();
        for (const e of list) m.set(`${e.event}|${e.outcome}`, (m.get(`${e.event}|${e.outcome}`) ?? 0) + 1);
        return [...m].map(([k, n]) => [...k.split('|'), n] as [string, string, number]).sort((a, b) => b[2] - a[2]);
      };
      const actor = authenticated(op).actor;
      const v = check.verification;
      const blocks: Block[] = [
        {
          kind: 'fields',
          rows: [
            ['Subject', email],
            ['Account', user ? `user ${user.id}${user.admin ? ' (instance admin)' : ''}, created ${user.createdAt}` : 'no account with this email'],
            ['Scope', scope.projectIn ? `projects ${scope.projectIn.join(', ')} (what the requester may read)` : 'the whole instance'],
            ['Generated', `${now.toISOString()} by ${actor.email ?? actor.name ?? actor.type}`],
            ['Log integrity', v.ok ? `VERIFIED: ${v.verified} entries (seq ${v.fromSeq ?? '-'}..${v.toSeq ?? '-'}) match checkpoint ${check.checkpoint?.size ?? '-'}` : `FAILED: ${v.problems.length} problem(s)`],
            ['Audit Log, as actor', String(asActor.length)],
            ['Audit Log, as target', String(asTarget.length)],
            ['Access Log requests', String(access.length)],
          ],
        },
        { kind: 'text', text: 'Personal data held: email, name and IP address of each entry where the person acted; the email as the target (resource) of membership and account events. Purpose: security audit trail (GDPR Art. 6(1)(c)/(f)); retention as stated below.' },
        { kind: 'heading', text: 'Audit Log entries where the person acted' },
        table(['Event', 'Outcome', 'Count'], events(asActor), 'audit-as-actor.csv'),
        { kind: 'heading', text: 'Audit Log entries about the person' },
        table(['Event', 'Outcome', 'Count'], events(asTarget), 'audit-as-target.csv'),
        { kind: 'heading', text: 'Access Log' },
        { kind: 'text', text: `${access.length} requests (access-log.csv), from ${access[0]?.timestamp ?? '-'} to ${access[access.length - 1]?.timestamp ?? '-'}; IP addresses seen: ${[...new Set(access.map((a) => a.actor.ip).filter(Boolean))].join(', ') || 'none'}.` },
      ];
      const retention = await retentionOver(store, period);
      blocks.push({ kind: 'text', text: `Retention: Audit Log ${retention.auditDaysAtEnd} days, Access Log ${retention.accessDaysAtEnd} days.` });
      const files = new Map<string, Buffer>([
        ['audit-as-actor.csv', entriesCsv(asActor)],
        ['audit-as-target.csv', entriesCsv(asTarget)],
        ['access-log.csv', csvFile(ACCESS_CSV_COLUMNS, access.map((a) => ACCESS_CSV_COLUMNS.map((c) => cellOf(a, c))))],
      ]);
      const id = uuidv7();
      const counts = { auditAsActor: asActor.length, auditAsTarget: asTarget.length, accessLog: access.length };
      const { files: out, manifestSha256 } = await assemblePack(
        deps,
        { id, kind: 'subject-access', framework: 'gdpr', generatedAt: now.toISOString(), generatedBy: { type: actor.type, id: actor.id, email: actor.email }, period, filters: { subject: email, projects: scope.projectIn ? scope.projectIn.join(',') : null }, retention, counts },
        { title: 'Bella Baxter: GDPR subject access report (Art. 15)', blocks },
        files,
        check,
      );
      // The subject is named by pseudonym: an email in this entry could never be erased (it is in the leaf).
      op.audit.record({ event: 'ReportGenerated', resource: 'report:subject-access', details: { reportId: id, kind: 'subject-access', framework: 'gdpr', subject: await pseudonymOf(email), period, manifestSha256, verificationOk: v.ok, entries: audit.length } });
      await uow.run(op);
      return { id, framework: 'gdpr', files: out };
    },

    /** Erases a departed person's personal fields in both logs and their account (instance admin). */
    async erase(op: OpContext, email: string): Promise<ErasureResult> {
      const p = authenticated(op);
      if (p.kind !== 'system' && !(p.kind === 'user' && p.user.admin)) throw forbidden('only an instance admin can erase a person', 'admin_required');
      const user = await store.users.getByEmail(email);
      if (user && user.admin) throw conflict(`${email} is an instance admin: remove the admin right before erasing them`);
      if (user && (await store.members.listOfUser(user.id)).length > 0) throw conflict(`${email} still holds memberships: remove them first (bella members remove), erasure is for people who have left`);
      if (p.kind === 'user' && p.user.email.toLowerCase() === email.toLowerCase()) throw conflict('you cannot erase yourself');
      const pseudonym = await pseudonymOf(email);
      op.audit.setScope({ resource: pseudonym });
      const r = await uow.run(op, async (tx) => {
        const n = await tx.personal.erasePersonal({ email, userId: user?.id ?? null }, pseudonym, clock().toISOString());
        op.audit.record({ event: 'SubjectErased', resource: pseudonym, details: { pseudonym, auditEntries: n.audit, accessEntries: n.access, account: n.account > 0 } });
        return n;
      });
      return { pseudonym, auditEntries: r.audit, accessEntries: r.access, account: r.account > 0 };
    },
  };
}

export type SubjectService = ReturnType<typeof createSubjectService>;
