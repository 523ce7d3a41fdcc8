import type { AuditEntry } from '../../contract/entries.js';
import { EVENT_CATALOG, type EventType } from '../../contract/events.js';
import { heartbeatObject, heartbeatRecord, PRODUCT, type Formatter } from './types.js';

/** The OCSF classes entries map to (docs/streams.md lists the mapping). */
const CLASSES = {
  3001: { name: 'Account Change', category: 3, categoryName: 'Identity & Access Management' },
  3002: { name: 'Authentication', category: 3, categoryName: 'Identity & Access Management' },
  6003: { name: 'API Activity', category: 6, categoryName: 'Application Activity' },
} as const;
type ClassUid = keyof typeof CLASSES;

const ACTIVITY_NAMES: Readonly<Record<ClassUid, Readonly<Record<number, string>>>> = {
  3001: { 1: 'Create', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 99: 'Other' },
  3002: { 1: 'Logon', 2: 'Logoff', 99: 'Other' },
  6003: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' },
};

/** Every event's OCSF class and activity; exhaustive, so a new event fails to compile until mapped. */
export const OCSF_MAPPING: Readonly<Record<EventType, readonly [ClassUid, number]>> = {
  SecretRead: [6003, 2],
  SecretCreated: [6003, 1],
  SecretUpdated: [6003, 3],
  SecretDeleted: [6003, 4],
  SecretsBulkPulled: [6003, 2],
  ApiKeyCreated: [3001, 1],
  ApiKeyRevoked: [3001, 5],
  UserLogin: [3002, 1],
  UserLoginFailed: [3002, 1],
  UserLogout: [3002, 2],
  TrustTokenIssued: [3002, 1],
  TrustTokenRejected: [3002, 1],
  LeaseIssued: [6003, 1],
  LeaseRevoked: [6003, 4],
  MemberAdded: [3001, 7],
  MemberRemoved: [3001, 8],
  MemberRoleChanged: [3001, 7],
  ProviderCreated: [6003, 1],
  SshKeySigned: [6003, 1],
  UserCreated: [3001, 1],
  ProjectCreated: [6003, 1],
  EnvironmentCreated: [6003, 1],
  AuditLogExported: [6003, 2],
  AccessLogExported: [6003, 2],
  RetentionChanged: [6003, 3],
  LogsPurged: [6003, 4],
  AccessDenied: [6003, 99],
  RestrictionChanged: [6003, 3],
  BackupCreated: [6003, 2],
  AuditStreamCreated: [6003, 1],
  AuditStreamUpdated: [6003, 3],
  AuditStreamPaused: [6003, 3],
  AuditStreamResumed: [6003, 3],
  AuditStreamRemoved: [6003, 4],
  AuditStreamReplayed: [6003, 3],
  AuditStreamFailing: [6003, 99],
  AuditStreamRecovered: [6003, 99],
  SshCaCreated: [6003, 1],
  SshRoleCreated: [6003, 1],
  SshRoleDeleted: [6003, 4],
  ProviderDeleted: [6003, 4],
  ProviderAssigned: [6003, 3],
  LeaseRevocationFailed: [6003, 99],
  LeaseExpired: [6003, 4],
  LeasePolicyChanged: [6003, 3],
  TrustDomainCreated: [6003, 1],
  TrustDomainUpdated: [6003, 3],
  TrustDomainDeleted: [6003, 4],
  CheckpointKeyCreated: [6003, 1],
  CheckpointRefused: [6003, 99],
  ReportGenerated: [6003, 2],
  AccessReviewStarted: [6003, 1],
  AccessReviewDecided: [6003, 3],
  SubjectErased: [6003, 3],
};

const compact = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** An entry as an OCSF 1.6 event of its class (Authentication 3002, Account Change 3001 or API Activity 6003). */
export function ocsfEvent(e: AuditEntry): Record<string, unknown> {
  const [classUid, activityId] = OCSF_MAPPING[e.event];
  const cls = CLASSES[classUid];
  const activityName = ACTIVITY_NAMES[classUid][activityId] ?? 'Other';
  const ok = e.outcome === 'Success';
  const actorUser = compact({ uid: e.actor.id, email_addr: e.actor.email, name: e.actor.name ?? e.actor.email, type: e.actor.type });
  const out: Record<string, unknown> = {
    class_uid: classUid,
    class_name: cls.name,
    category_uid: cls.category,
    category_name: cls.categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: `${cls.name}: ${activityName}`,
    time: Date.parse(e.timestamp),
    severity_id: ok ? 1 : 3,
    severity: ok ? 'Informational' : 'Medium',
    status_id: ok ? 1 : 2,
    status: ok ? 'Success' : 'Failure',
    ...(e.reason ? { status_detail: e.reason } : {}),
    message: `${EVENT_CATALOG[e.event].description}${ok ? '' : ` (denied: ${e.reason ?? 'unknown'})`}`,
    metadata: compact({
      version: '1.6.0',
      product: { name: PRODUCT.name, vendor_name: PRODUCT.vendor, version: PRODUCT.version },
      uid: e.id,
      sequence: e.seq,
      correlation_uid: e.requestId,
      log_name: 'Audit Log',
      event_code: e.event,
    }),
    actor: { user: actorUser },
    ...(e.actor.ip ? { src_endpoint: { ip: e.actor.ip } } : {}),
    ...(e.userAgent ? { http_request: { user_agent: e.userAgent } } : {}),
    unmapped: compact({ projectSlug: e.projectSlug, environmentSlug: e.environmentSlug, details: e.details, actorType: e.actor.type }),
  };
  if (classUid === 6003) {
    out.api = compact({ operation: e.event, request: e.requestId ? { uid: e.requestId } : null });
    if (e.resource) out.resources = [compact({ name: e.resource, namespace: e.projectSlug, group: e.environmentSlug ? { name: e.environmentSlug } : null })];
  } else {
    // Authentication and Account Change require the user acted upon: the account that logged in, or the
    // resource (a user's email, an API key id) the change was about.
    out.user = classUid === 3002 || !e.resource ? actorUser : compact({ name: e.resource, uid: e.resource });
  }
  return out;
}

/** OCSF 1.6: Authentication (3002), Account Change (3001), everything else API Activity (6003). */
export const ocsfFormatter: Formatter = {
  entry: (e) => ({ kind: 'entry', seq: e.seq, time: Date.parse(e.timestamp), event: e.event, outcome: e.outcome, body: ocsfEvent(e), entry: e }),
  heartbeat: (h) => heartbeatRecord(h, heartbeatObject(h)),
};
