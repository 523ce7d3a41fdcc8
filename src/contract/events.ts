/**
 * The Audit Log's event catalog: the 17 events of the product page plus administrative events.
 * Shared by server, CLI and WebApp. Adding an event here forces every Record<EventType, …> to handle it.
 */
export const PRODUCT_EVENTS = [
  'SecretRead',
  'SecretCreated',
  'SecretUpdated',
  'SecretDeleted',
  'SecretsBulkPulled',
  'ApiKeyCreated',
  'ApiKeyRevoked',
  'UserLogin',
  'UserLoginFailed',
  'TrustTokenIssued',
  'TrustTokenRejected',
  'LeaseIssued',
  'LeaseRevoked',
  'MemberAdded',
  'MemberRemoved',
  'ProviderCreated',
  'SshKeySigned',
] as const;

export const ADMIN_EVENTS = [
  'UserCreated',
  'UserLogout',
  'ProjectCreated',
  'EnvironmentCreated',
  'MemberRoleChanged',
  'AuditLogExported',
  'AccessLogExported',
  'RetentionChanged',
  'LogsPurged',
  'AccessDenied',
  'RestrictionChanged',
  'BackupCreated',
  'SshCaCreated',
  'SshRoleCreated',
  'SshRoleDeleted',
  'ProviderDeleted',
  'ProviderAssigned',
  'LeaseRevocationFailed',
  'LeaseExpired',
  'LeasePolicyChanged',
  'TrustDomainCreated',
  'TrustDomainUpdated',
  'TrustDomainDeleted',
  'CheckpointKeyCreated',
  'CheckpointRefused',
  'AuditStreamCreated',
  'AuditStreamUpdated',
  'AuditStreamPaused',
  'AuditStreamResumed',
  'AuditStreamRemoved',
  'AuditStreamReplayed',
  'AuditStreamFailing',
  'AuditStreamRecovered',
  // issue 19: compliance evidence
  'ReportGenerated',
  'AccessReviewStarted',
  'AccessReviewDecided',
  'SubjectErased',
] as const;

export const EVENT_TYPES = [...PRODUCT_EVENTS, ...ADMIN_EVENTS] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type EventGroup =
  | 'secrets'
  | 'authentication'
  | 'apiKeys'
  | 'trustTokens'
  | 'leases'
  | 'members'
  | 'providers'
  | 'ssh'
  | 'administration';

/** Every event's description and group; exhaustive so a new event fails to compile until described. */
export const EVENT_CATALOG: Readonly<Record<EventType, { readonly group: EventGroup; readonly description: string }>> = {
  SecretRead: { group: 'secrets', description: 'A secret value was read' },
  SecretCreated: { group: 'secrets', description: 'A secret was created' },
  SecretUpdated: { group: 'secrets', description: 'A secret was updated' },
  SecretDeleted: { group: 'secrets', description: 'A secret was deleted' },
  SecretsBulkPulled: { group: 'secrets', description: 'All secrets fetched (e.g. bella pull)' },
  ApiKeyCreated: { group: 'apiKeys', description: 'An API key was created' },
  ApiKeyRevoked: { group: 'apiKeys', description: 'An API key was revoked' },
  UserLogin: { group: 'authentication', description: 'A user logged in' },
  UserLoginFailed: { group: 'authentication', description: 'A failed login attempt' },
  TrustTokenIssued: { group: 'trustTokens', description: 'A keyless OIDC exchange was accepted' },
  TrustTokenRejected: { group: 'trustTokens', description: 'An OIDC exchange was rejected' },
  LeaseIssued: { group: 'leases', description: 'A short-lived lease was issued' },
  LeaseRevoked: { group: 'leases', description: 'A lease was revoked' },
  MemberAdded: { group: 'members', description: 'A user was added to a project or environment' },
  MemberRemoved: { group: 'members', description: 'A user was removed' },
  ProviderCreated: { group: 'providers', description: 'A new provider was configured' },
  SshKeySigned: { group: 'ssh', description: 'An SSH public key was signed' },
  UserCreated: { group: 'administration', description: 'An instance admin created a user' },
  UserLogout: { group: 'authentication', description: 'A user logged out' },
  ProjectCreated: { group: 'administration', description: 'A project was created' },
  EnvironmentCreated: { group: 'administration', description: 'An environment was created' },
  MemberRoleChanged: { group: 'members', description: "A member's role was changed" },
  AuditLogExported: { group: 'administration', description: 'The Audit Log was exported' },
  AccessLogExported: { group: 'administration', description: 'The Access Log was exported' },
  CheckpointKeyCreated: { group: 'administration', description: "The Audit Log's checkpoint signing key was created" },
  CheckpointRefused: { group: 'administration', description: "A checkpoint was not signed: the log's tree is not consistent with the last checkpoint" },
  RetentionChanged: { group: 'administration', description: 'A log retention window was changed' },
  LogsPurged: { group: 'administration', description: 'Expired log entries were purged by retention' },
  BackupCreated: { group: 'administration', description: 'An online backup of the database was taken' },
  SshCaCreated: { group: 'ssh', description: "An environment's SSH certificate authority was created" },
  SshRoleCreated: { group: 'ssh', description: 'An SSH signing role was created' },
  SshRoleDeleted: { group: 'ssh', description: 'An SSH signing role was deleted' },
  ProviderDeleted: { group: 'providers', description: 'A provider was deleted' },
  ProviderAssigned: { group: 'providers', description: 'A provider was assigned to a project or environment' },
  LeaseRevocationFailed: { group: 'leases', description: "A credential lease's database login could not be removed (retried)" },
  RestrictionChanged: { group: 'members', description: 'An environment was restricted to its own members, or the restriction lifted' },
  LeaseExpired: { group: 'leases', description: 'A lease reached its expiry (recorded by the server, actor System)' },
  LeasePolicyChanged: { group: 'leases', description: "An environment's lease policy (longest lease TTL) was changed" },
  TrustDomainCreated: { group: 'trustTokens', description: 'An OIDC trust domain was created in an environment' },
  TrustDomainUpdated: { group: 'trustTokens', description: 'An OIDC trust domain was changed' },
  TrustDomainDeleted: { group: 'trustTokens', description: 'An OIDC trust domain was deleted' },
  AuditStreamCreated: { group: 'administration', description: 'An Audit Log stream to a SIEM was created' },
  AuditStreamUpdated: { group: 'administration', description: "An Audit Log stream's sink, filter or format was changed" },
  AuditStreamPaused: { group: 'administration', description: 'An Audit Log stream was paused' },
  AuditStreamResumed: { group: 'administration', description: 'A paused or failing Audit Log stream was resumed' },
  AuditStreamRemoved: { group: 'administration', description: 'An Audit Log stream was removed' },
  AuditStreamReplayed: { group: 'administration', description: 'An Audit Log stream was rewound to resend from an earlier point' },
  AuditStreamFailing: { group: 'administration', description: "An Audit Log stream's sink refused a batch permanently; delivery is held at its cursor" },
  AuditStreamRecovered: { group: 'administration', description: 'A failing Audit Log stream delivered again' },
  ReportGenerated: { group: 'administration', description: 'A compliance evidence pack or subject-access report was generated (signed with the log key)' },
  AccessReviewStarted: { group: 'members', description: "An access review of a project's grants was started (its population frozen)" },
  AccessReviewDecided: { group: 'members', description: 'A reviewer decided keep or revoke on one grant of an access review' },
  SubjectErased: { group: 'administration', description: "A departed person's personal fields were erased from both logs (replaced by a keyed pseudonym)" },
  AccessDenied: { group: 'authentication', description: 'A request to a protected route with no more specific event was refused' },
};

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export const OUTCOMES = ['Success', 'Denied'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const ACTOR_TYPES = ['User', 'ApiKey', 'TrustToken', 'Lease', 'System', 'Anonymous'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
