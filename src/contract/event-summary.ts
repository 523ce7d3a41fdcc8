/**
 * One human line per log entry ("alice@example.com added dave@example.com as CONSUMER"), built from
 * the entry and its `details` only. Shared by the CLI's table (SUMMARY column, `bella audit show`) and
 * the WebApp's list and detail panel, so both say the same thing. Pure, no I/O.
 */
import type { AccessEntry, Actor, AuditEntry } from './entries.js';
import type { EventType } from './events.js';

type Details = Readonly<Record<string, unknown>>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** Who acted, as a person reads it: an email, `API key "ci-deploy"`, `lease …`, Bella itself. */
export function actorName(a: Actor): string {
  const who = a.email ?? a.name ?? a.id;
  switch (a.type) {
    case 'User':
      return who ?? 'a user';
    case 'ApiKey':
      return a.name ? `API key "${a.name}"` : `API key ${a.id ?? '?'}`;
    case 'TrustToken':
      return `trust token ${who ?? '?'}`;
    case 'Lease':
      return `lease ${a.id ?? '?'}`;
    case 'System':
      return 'Bella';
    case 'Anonymous':
      return a.ip ? `an anonymous caller from ${a.ip}` : 'an anonymous caller';
  }
}

interface Phrase {
  /** what happened, after the actor: "read DB_PASSWORD" */
  readonly did: string;
  /** what was attempted, after "tried to": "read DB_PASSWORD" */
  readonly tried: string;
}
type Build = (r: string, d: Details, e: AuditEntry) => Phrase | string;
const same = (verbPast: string, verb: string, what: string): Phrase => ({ did: `${verbPast} ${what}`, tried: `${verb} ${what}` });
const where = (e: AuditEntry) => (e.environmentSlug ? ` in ${e.projectSlug ?? '?'}/${e.environmentSlug}` : e.projectSlug ? ` in ${e.projectSlug}` : '');
const role = (d: Details) => (str(d.role) ? ` as ${str(d.role)}` : '');
const keyName = (r: string, d: Details) => (str(d.name) ? `API key "${str(d.name)}" (${r})` : `API key ${r}`);
const version = (d: Details) => (str(d.version) ? ` (version ${str(d.version)})` : '');

/** Exhaustive: a new event fails to compile until it has a sentence. */
const PHRASES: Readonly<Record<EventType, Build>> = {
  SecretRead: (r, d) => same('read', 'read', `${r}${version(d)}`),
  SecretCreated: (r) => same('created', 'create', r),
  SecretUpdated: (r, d) => same('updated', 'update', `${r}${version(d)}`),
  SecretDeleted: (r) => same('deleted', 'delete', r),
  SecretsBulkPulled: (r, d, e) => {
    const n = typeof d.count === 'number' ? `${d.count} secret${d.count === 1 ? '' : 's'}` : 'all secrets';
    return same('pulled', 'pull', `${n}${where(e) || ` of ${r}`}`);
  },
  ApiKeyCreated: (r, d) => same('created', 'create', `${keyName(r, d)}${role(d)}`),
  ApiKeyRevoked: (r, d) => ({ ...same('revoked', 'revoke', keyName(r, d)), ...(str(d.member) ? { did: `revoked ${keyName(r, d)}: its creator ${str(d.member)} ${str(d.reason) ?? 'lost access'}` } : {}) }),
  UserLogin: () => ({ did: 'signed in', tried: 'sign in' }),
  UserLoginFailed: (r) => ({ did: `failed to sign in as ${r}`, tried: `sign in as ${r}` }),
  TrustTokenIssued: (r, d) => ({ did: `exchanged an OIDC token${str(d.subject) ? ` of ${str(d.subject)}` : ''} for a trust token (trust domain ${r}${role(d)})`, tried: `exchange an OIDC token (trust domain ${r})` }),
  TrustTokenRejected: (r, d) => ({ did: `had an OIDC token refused by trust domain ${r}`, tried: `exchange an OIDC token${str(d.subject) ? ` of ${str(d.subject)}` : ''} (trust domain ${r})` }),
  LeaseIssued: (r, d) => same('issued', 'issue', `lease ${r}${str(d.ttl) ? ` for ${str(d.ttl)}` : ''}${str(d.provider) ? ` on provider ${str(d.provider)}` : ''}`),
  LeaseRevoked: (r) => same('revoked', 'revoke', `lease ${r}`),
  MemberAdded: (r, d) => same('added', 'add', `${r}${role(d)}`),
  MemberRemoved: (r, d) => same('removed', 'remove', `${r}${str(d.role) ? ` (was ${str(d.role)})` : ''}`),
  ProviderCreated: (r, d) => same('created', 'create', `provider ${r}${str(d.type) ? ` (${str(d.type)})` : ''}`),
  SshKeySigned: (r, d) => same('had', 'have', `SSH key ${r} signed${str(d.role) ? ` by role ${str(d.role)}` : ''}`),
  UserCreated: (r, d) => same('created', 'create', `${d.admin === true ? 'admin ' : ''}user ${r}`),
  UserLogout: () => ({ did: 'signed out', tried: 'sign out' }),
  ProjectCreated: (r) => same('created', 'create', `project ${r}`),
  EnvironmentCreated: (r) => same('created', 'create', `environment ${r}`),
  MemberRoleChanged: (r, d) => same('changed', 'change', `${r}'s role${str(d.from) ? ` from ${str(d.from)}` : ''}${str(d.to) ? ` to ${str(d.to)}` : ''}`),
  AuditLogExported: (_r, d) => same('exported', 'export', `the Audit Log${str(d.format) ? ` as ${str(d.format)}` : ''}`),
  AccessLogExported: (_r, d) => same('exported', 'export', `the Access Log${str(d.format) ? ` as ${str(d.format)}` : ''}`),
  RetentionChanged: (_r, d) => {
    const w = (x: unknown) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});
    const n = w(d.new);
    const o = w(d.old);
    const part = (k: string, name: string) => (n[k] !== undefined && n[k] !== o[k] ? `${name} ${o[k] ?? '?'}→${n[k]} days` : null);
    const changes = [part('auditDays', 'audit'), part('accessDays', 'access')].filter((x) => x !== null);
    return same('changed', 'change', `log retention${changes.length ? ` (${changes.join(', ')})` : ''}`);
  },
  LogsPurged: (_r, d) => {
    const n = [str(d.auditDeleted), str(d.accessDeleted)];
    return same('purged', 'purge', `expired log entries${n[0] || n[1] ? ` (${[n[0] && `${n[0]} audit`, n[1] && `${n[1]} access`].filter(Boolean).join(', ')})` : ''}`);
  },
  AccessDenied: (_r, d) => ({ did: `was refused ${str(d.request) ?? 'a request'}`, tried: str(d.request) ?? 'make a request' }),
  RestrictionChanged: (r, d) => same(d.restricted === false ? 'lifted' : 'set', d.restricted === false ? 'lift' : 'set', `the members-only restriction of environment ${r}`),
  BackupCreated: (_r, d) => same('took', 'take', `a backup${typeof d.bytes === 'number' ? ` (${d.bytes} bytes)` : ''}`),
  SshCaCreated: (r) => same('created', 'create', `the SSH CA ${r}`),
  SshRoleCreated: (r) => same('created', 'create', `SSH role ${r}`),
  SshRoleDeleted: (r) => same('deleted', 'delete', `SSH role ${r}`),
  ProviderDeleted: (r) => same('deleted', 'delete', `provider ${r}`),
  ProviderAssigned: (r, _d, e) => same('assigned', 'assign', `provider ${r}${where(e) ? ` to${where(e).slice(3)}` : ''}`),
  LeaseRevocationFailed: (r, d) => ({ did: `could not remove the database login of lease ${r}${str(d.attempt) ? ` (attempt ${str(d.attempt)})` : ''}`, tried: `revoke lease ${r}` }),
  LeaseExpired: (r) => ({ did: `recorded that lease ${r} expired`, tried: `expire lease ${r}` }),
  LeasePolicyChanged: (r, d) => same('set', 'set', `the longest lease of ${r}${str(d.maxTtl) ? ` to ${str(d.maxTtl)}` : ''}`),
  TrustDomainCreated: (r) => same('created', 'create', `trust domain ${r}`),
  TrustDomainUpdated: (r) => same('updated', 'update', `trust domain ${r}`),
  TrustDomainDeleted: (r) => same('deleted', 'delete', `trust domain ${r}`),
  CheckpointKeyCreated: () => same('created', 'create', "the Audit Log's checkpoint key"),
  CheckpointRefused: () => ({ did: 'refused to sign a checkpoint: the tree is not consistent with the last one', tried: 'sign a checkpoint' }),
  ReportGenerated: (r, d) => {
    const kind = str(d.framework) && str(d.kind) !== 'subject-access' ? `a ${str(d.framework)!.toUpperCase()} evidence pack` : str(d.kind) === 'subject-access' ? 'a subject-access report' : `report ${r}`;
    const n = typeof d.entries === 'number' ? ` over ${d.entries} entr${d.entries === 1 ? 'y' : 'ies'}` : '';
    return same('generated', 'generate', `${kind}${n}`);
  },
  AccessReviewStarted: (_r, d) => {
    const n = Array.isArray(d.grants) ? ` of ${d.grants.length} grant${d.grants.length === 1 ? '' : 's'}` : '';
    return same('started', 'start', `an access review${n}`);
  },
  AccessReviewDecided: (_r, d) => {
    const what = str(d.grant) ?? str(d.grantId) ?? 'a grant';
    const dec = str(d.decision);
    return dec ? { did: `decided to ${dec} ${what} in an access review`, tried: `decide on ${what} in an access review` } : same('decided on', 'decide on', what);
  },
  SubjectErased: (r, d) => same('erased', 'erase', `the personal data of ${str(d.pseudonym) ?? r}`),
  AuditStreamCreated: (r) => same('created', 'create', `stream ${r}`),
  AuditStreamUpdated: (r) => same('updated', 'update', `stream ${r}`),
  AuditStreamPaused: (r) => same('paused', 'pause', `stream ${r}`),
  AuditStreamResumed: (r) => same('resumed', 'resume', `stream ${r}`),
  AuditStreamRemoved: (r) => same('removed', 'remove', `stream ${r}`),
  AuditStreamReplayed: (r) => same('rewound', 'rewind', `stream ${r}`),
  AuditStreamFailing: (r) => ({ did: `holds stream ${r}: its sink refused a batch`, tried: `deliver stream ${r}` }),
  AuditStreamRecovered: (r) => ({ did: `delivered stream ${r} again`, tried: `deliver stream ${r}` }),
};

const isAudit = (e: AuditEntry | AccessEntry): e is AuditEntry => 'event' in e;

/** One line describing the entry; never a secret value (details never hold one). */
export function summarizeEntry(entry: AuditEntry | AccessEntry): string {
  const who = actorName(entry.actor);
  if (!isAudit(entry)) return `${who} ${entry.method} ${entry.path} → ${entry.status}`;
  const p = PHRASES[entry.event]?.(entry.resource ?? '?', entry.details ?? {}, entry);
  if (p === undefined) return `${who}: ${entry.event}`;
  const phrase = typeof p === 'string' ? { did: p, tried: p } : p;
  if (entry.outcome === 'Denied') return `${who} was refused: tried to ${phrase.tried}${entry.reason ? ` (${entry.reason})` : ''}`;
  return `${who} ${phrase.did}`;
}
