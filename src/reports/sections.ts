import type { AuditEntry } from '../contract/entries.js';
import type { EventType } from '../contract/events.js';
import type { Framework } from '../contract/reports.js';

/**
 * The sections of an evidence pack, each with the controls it evidences per framework and the rule
 * that picks its entries out of the period. One entry may evidence several sections (a denied member
 * change is both an access-control change and a denied attempt).
 */
export interface SectionDef {
  readonly id: string;
  readonly title: string;
  /** What an auditor reads the section for */
  readonly purpose: string;
  readonly controls: Readonly<Record<Framework, readonly string[]>>;
  readonly picks: (e: AuditEntry) => boolean;
}

const among = (events: readonly EventType[]) => {
  const set = new Set<string>(events);
  return (e: AuditEntry) => set.has(e.event);
};

const ACCESS_CHANGES: readonly EventType[] = ['MemberAdded', 'MemberRemoved', 'MemberRoleChanged', 'RestrictionChanged', 'AccessReviewDecided'];
export const PRIVILEGED_ROLES: ReadonlySet<string> = new Set(['OWNER', 'PROJECT_MANAGER', 'ENVIRONMENT_OWNER']);
const CREDENTIALS: readonly EventType[] = [
  'ApiKeyCreated', 'ApiKeyRevoked', 'LeaseIssued', 'LeaseRevoked', 'LeaseExpired', 'LeaseRevocationFailed', 'LeasePolicyChanged',
  'TrustDomainCreated', 'TrustDomainUpdated', 'TrustDomainDeleted',
];
const ADMIN_CHANGES: readonly EventType[] = [
  'RetentionChanged', 'LogsPurged', 'ProviderCreated', 'ProviderDeleted', 'ProviderAssigned', 'AuditStreamCreated', 'AuditStreamUpdated',
  'AuditStreamPaused', 'AuditStreamResumed', 'AuditStreamRemoved', 'AuditStreamReplayed', 'SshCaCreated', 'SshRoleCreated', 'SshRoleDeleted',
  'UserCreated', 'ProjectCreated', 'EnvironmentCreated', 'BackupCreated', 'CheckpointKeyCreated', 'SubjectErased',
];
const INTEGRITY: readonly EventType[] = ['CheckpointKeyCreated', 'CheckpointRefused', 'RetentionChanged', 'LogsPurged', 'SubjectErased'];
const EXPORTS: readonly EventType[] = [
  'AuditLogExported', 'AccessLogExported', 'ReportGenerated', 'BackupCreated', 'AuditStreamCreated', 'AuditStreamUpdated', 'AuditStreamPaused',
  'AuditStreamResumed', 'AuditStreamRemoved', 'AuditStreamReplayed', 'AuditStreamFailing', 'AuditStreamRecovered',
];

/** The role a membership event granted (MemberAdded: role; MemberRoleChanged: to). */
export function grantedRole(e: AuditEntry): string | null {
  const d = e.details as { role?: unknown; to?: unknown };
  const r = e.event === 'MemberAdded' ? d.role : e.event === 'MemberRoleChanged' ? d.to : undefined;
  return typeof r === 'string' ? r : null;
}

/** A membership an instance admin gave themselves: the break-glass path to secret values (docs/roles.md). */
export const isBreakGlass = (e: AuditEntry): boolean =>
  (e.event === 'MemberAdded' || e.event === 'MemberRoleChanged') && e.outcome === 'Success' && e.actor.email !== null && e.actor.email === e.resource;

export const SECTIONS: readonly SectionDef[] = [
  {
    id: 'access-control-changes',
    title: 'Access-control changes',
    purpose: 'Members added and removed, roles changed, environments restricted, access-review decisions; the actor is who made (approved) each change.',
    controls: { soc2: ['CC6.1', 'CC6.2', 'CC6.3'], iso27001: ['A.5.15', 'A.5.18'], hipaa: ['§164.312(b)'], gdpr: ['Art. 32'] },
    picks: among(ACCESS_CHANGES),
  },
  {
    id: 'privileged-access',
    title: 'Privileged access',
    purpose: 'Grants of OWNER, PROJECT_MANAGER and ENVIRONMENT_OWNER, instance users created, and break-glass memberships (an admin adding themselves).',
    controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['A.8.2', 'A.5.18'], hipaa: ['§164.312(b)'], gdpr: ['Art. 32'] },
    picks: (e) => e.event === 'UserCreated' || isBreakGlass(e) || PRIVILEGED_ROLES.has(grantedRole(e) ?? ''),
  },
  {
    id: 'credential-lifecycle',
    title: 'API key, lease and trust-domain lifecycles',
    purpose: 'Machine credentials created, revoked and expired; current API keys with their age (unrotated after 90 days flagged).',
    controls: { soc2: ['CC6.1', 'CC6.2'], iso27001: ['A.5.18', 'A.8.2'], hipaa: ['§164.312(d)'], gdpr: ['Art. 32'] },
    picks: among(CREDENTIALS),
  },
  {
    id: 'denied-and-failed-logins',
    title: 'Denied attempts and failed logins',
    purpose: 'Every refused action and failed authentication, grouped by event, reason and actor.',
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.15', 'A.8.16'], hipaa: ['§164.312(b)', '§164.312(d)'], gdpr: ['Art. 32'] },
    picks: (e) => e.outcome === 'Denied' || e.event === 'UserLoginFailed' || e.event === 'TrustTokenRejected',
  },
  {
    id: 'administrative-changes',
    title: 'Administrative changes',
    purpose: 'Retention, streams, providers, SSH authorities, users, projects and environments changed by administrators.',
    controls: { soc2: ['CC6.1', 'CC7.2'], iso27001: ['A.8.15', 'A.8.16'], hipaa: ['§164.312(b)'], gdpr: ['Art. 30', 'Art. 32'] },
    picks: (e) => among(ADMIN_CHANGES)(e) && e.outcome === 'Success',
  },
  {
    id: 'log-integrity-and-retention',
    title: 'Log integrity and retention',
    purpose: "The period verified against the log's signed checkpoint; retention windows over the period; purges and refused checkpoints.",
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.15'], hipaa: ['§164.312(b)'], gdpr: ['Art. 30', 'Art. 32'] },
    picks: among(INTEGRITY),
  },
  {
    id: 'export-and-stream-activity',
    title: 'Export and stream activity',
    purpose: 'Who took the logs out (exports, reports, backups) and where they are streamed.',
    controls: { soc2: ['CC7.2'], iso27001: ['A.8.15', 'A.8.16'], hipaa: ['§164.312(b)'], gdpr: ['Art. 15', 'Art. 30'] },
    picks: among(EXPORTS),
  },
];
