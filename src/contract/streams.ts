import { z } from 'zod';
import { EVENT_TYPES, OUTCOMES } from './events.js';
import { SLUG_HELP, SLUG_RE } from './log-query.js';

/**
 * Audit Log streams to SIEMs: the sink kinds, their settings (secret fields apart), filters and
 * formats, as the HTTP API, the CLI and the WebApp see them. Secret fields are accepted on create and
 * update, encrypted at rest, and never returned: views show them as ***ENCRYPTED***.
 */
export const SINK_KINDS = ['splunk', 'datadog', 'azure', 'syslog', 'nats', 'webhook'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

export const STREAM_FORMATS = ['json', 'ocsf', 'cef'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export const STREAM_STATES = ['active', 'paused', 'failing'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export const ENCRYPTED_MARKER = '***ENCRYPTED***';

const slug = z.string().regex(SLUG_RE, `must be a slug: ${SLUG_HELP}`);
const text = (max: number) => z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');
const secret = (what: string) => z.string().min(1, `${what} must not be empty`).max(4096, `${what} must be at most 4096 characters`);

/** An http(s) URL; plain http only to a loopback host (a receiver on this machine), never across a network. */
const httpsUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      if (u.username || u.password) return false;
      if (u.protocol === 'https:') return true;
      return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    } catch {
      return false;
    }
  }, 'must be an https:// URL without credentials (http:// only to 127.0.0.1, localhost or [::1])');

const hostName = z.string().min(1).max(253).regex(/^[A-Za-z0-9.:\-[\]]+$/, 'must be a host name or IP address');
const port = z.number().int().min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535');
const pem = z.string().max(65536).regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate');

/** Each sink kind's settings and which of its fields are secret (encrypted, never returned). */
export const SINK_SCHEMAS = {
  splunk: z
    .object({
      type: z.literal('splunk'),
      url: httpsUrl.describe('HEC base URL, e.g. https://splunk.example.com:8088'),
      token: secret('token'),
      index: text(80).optional(),
      source: text(200).optional(),
      sourcetype: text(200).optional(),
      host: text(253).optional(),
      ack: z.boolean().optional(),
      ackTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
    })
    .strict(),
  datadog: z
    .object({
      type: z.literal('datadog'),
      site: z.string().regex(/^[a-z0-9.-]+$/, 'must be a Datadog site such as datadoghq.com or datadoghq.eu').max(100).optional(),
      url: httpsUrl.optional(),
      apiKey: secret('apiKey'),
      service: text(100).optional(),
      ddsource: text(100).optional(),
      ddtags: text(1000).optional(),
      hostname: text(253).optional(),
    })
    .strict(),
  azure: z
    .object({
      type: z.literal('azure'),
      endpoint: httpsUrl.describe('the data collection endpoint (or DCR endpoint)'),
      dcrImmutableId: z.string().regex(/^dcr-[0-9a-f]{32}$/, 'must be a DCR immutable id: dcr- and 32 hex digits'),
      streamName: z.string().regex(/^Custom-[A-Za-z0-9_]{1,100}$/, 'must be a DCR stream name such as Custom-BellaAudit_CL'),
      tenantId: z.string().regex(/^[A-Za-z0-9.-]{1,100}$/, 'must be a tenant id or domain'),
      clientId: z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an application (client) id'),
      clientSecret: secret('clientSecret'),
      authorityUrl: httpsUrl.optional(),
    })
    .strict(),
  syslog: z
    .object({
      type: z.literal('syslog'),
      host: hostName,
      port,
      tls: z.boolean().optional(),
      caCert: pem.optional(),
      serverName: hostName.optional(),
      appName: z.string().regex(/^[\x21-\x7e]{1,48}$/, 'must be 1-48 printable characters without spaces').optional(),
    })
    .strict(),
  nats: z
    .object({
      type: z.literal('nats'),
      servers: z.string().regex(/^(nats|tls):\/\/[A-Za-z0-9.\-[\]:]+(,(nats|tls):\/\/[A-Za-z0-9.\-[\]:]+)*$/, 'must be nats://host:port (comma-separated for several)'),
      subject: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a NATS subject without wildcards, e.g. bella.audit').max(200),
      token: secret('token').optional(),
      user: text(200).optional(),
      password: secret('password').optional(),
    })
    .strict(),
  webhook: z
    .object({
      type: z.literal('webhook'),
      url: httpsUrl,
      secret: z.string().min(16, 'secret must be at least 16 characters').max(4096),
    })
    .strict(),
} as const satisfies Record<SinkKind, z.ZodType>;

/** The secret fields of each sink kind. */
export const SINK_SECRET_FIELDS: Readonly<Record<SinkKind, readonly string[]>> = {
  splunk: ['token'],
  datadog: ['apiKey'],
  azure: ['clientSecret'],
  syslog: [],
  nats: ['token', 'password'],
  webhook: ['secret'],
};

export type SinkConfig<K extends SinkKind = SinkKind> = z.infer<(typeof SINK_SCHEMAS)[K]>;

export const sinkSchema = z.discriminatedUnion('type', [
  SINK_SCHEMAS.splunk, SINK_SCHEMAS.datadog, SINK_SCHEMAS.azure, SINK_SCHEMAS.syslog, SINK_SCHEMAS.nats, SINK_SCHEMAS.webhook,
]);

export const streamFilterSchema = z
  .object({
    projects: z.array(slug).max(100).optional(),
    environments: z.array(slug).max(100).optional(),
    events: z.array(z.enum(EVENT_TYPES, { message: 'must be an event type (see GET /api/v1/audit-logs events)' })).max(EVENT_TYPES.length).optional(),
    outcome: z.enum(OUTCOMES, { message: `must be one of ${OUTCOMES.join(', ')}` }).optional(),
  })
  .strict();
export type StreamFilter = z.infer<typeof streamFilterSchema>;

const heartbeat = z.number().int().refine((n) => n === 0 || (n >= 5 && n <= 86_400), 'must be 0 (off) or 5 to 86400 seconds');

export const createStreamBody = z
  .object({
    name: slug,
    /** A project stream (its OWNERs manage it); absent: an instance stream (the instance admin) */
    project: slug.optional(),
    sink: z.record(z.string(), z.unknown()),
    filter: streamFilterSchema.optional(),
    format: z.enum(STREAM_FORMATS, { message: `must be one of ${STREAM_FORMATS.join(', ')}` }).optional(),
    heartbeatSeconds: heartbeat.optional(),
    /** Where delivery starts: now (entries after the creation, the creation included) or the oldest entry retention holds */
    start: z.enum(['now', 'oldest'], { message: 'must be now or oldest' }).optional(),
  })
  .strict();
export type CreateStreamBody = z.infer<typeof createStreamBody>;

export const updateStreamBody = z
  .object({
    /** Merged over the current settings (the type cannot change); secret fields left out are kept */
    sink: z.record(z.string(), z.unknown()).optional(),
    filter: streamFilterSchema.optional(),
    format: z.enum(STREAM_FORMATS, { message: `must be one of ${STREAM_FORMATS.join(', ')}` }).optional(),
    heartbeatSeconds: heartbeat.optional(),
  })
  .strict();
export type UpdateStreamBody = z.infer<typeof updateStreamBody>;

export const replayStreamBody = z
  .object({
    fromSeq: z.number().int().min(0).optional(),
    since: z.string().max(40).optional(),
  })
  .strict();
export type ReplayStreamBody = z.infer<typeof replayStreamBody>;

export const streamNameParams = z.object({ name: slug }).strict();

/** Delivery health of one stream. */
export interface StreamHealth {
  readonly state: StreamState;
  /** The seq of the last entry processed (delivered or filtered out) */
  readonly cursor: number;
  readonly lastSeq: number;
  /** Entries committed after the cursor */
  readonly lagEntries: number;
  /** Age of the oldest entry not yet processed (0 when caught up) */
  readonly lagSeconds: number;
  readonly delivered: number;
  /** Entries delivered per minute over the last minutes on this node */
  readonly ratePerMinute: number;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly failingSince: string | null;
  readonly lastHeartbeatAt: string | null;
  /** Consecutive failed attempts of the current batch (retried with backoff) */
  readonly retrying: number;
}

export interface StreamView {
  readonly id: string;
  readonly name: string;
  readonly project: string | null;
  /** The sink settings, secret fields as ***ENCRYPTED*** */
  readonly sink: Readonly<Record<string, unknown>> & { readonly type: SinkKind };
  readonly filter: StreamFilter;
  readonly format: StreamFormat;
  readonly heartbeatSeconds: number;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly updatedAt: string;
  readonly health: StreamHealth;
}

export interface StreamTestResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** The sink's answer when it refused, or why it could not be reached */
  readonly error: string | null;
}
