import { ENCRYPTED_MARKER, SINK_KINDS, SINK_SCHEMAS, SINK_SECRET_FIELDS, STREAM_FORMATS, streamFilterSchema, type SinkConfig, type SinkKind, type StreamFilter, type StreamFormat } from '../contract/streams.js';
import { badRequest } from '../kernel/errors.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { StreamRow } from '../store/types.js';

const purpose = (id: string) => `stream:${id}`;

/** Validates a sink document against its kind's schema; the message names each field (`sink.url: …`). */
export function parseSink(input: Record<string, unknown>): SinkConfig {
  const type = input.type;
  if (typeof type !== 'string' || !(SINK_KINDS as readonly string[]).includes(type)) {
    throw badRequest(`sink.type: must be one of ${SINK_KINDS.join(', ')}`);
  }
  const r = SINK_SCHEMAS[type as SinkKind].safeParse(input);
  if (!r.success) {
    throw badRequest(
      r.error.issues
        .map((i) => {
          const path = ['sink', ...i.path.map(String)].join('.');
          // Never echo a value back: it might be a credential.
          return i.code === 'unrecognized_keys' ? `sink: unknown field(s) ${(i as { keys?: string[] }).keys?.join(', ')} for type ${type}` : `${path}: ${i.message}`;
        })
        .join('; '),
    );
  }
  return r.data as SinkConfig;
}

/** The sink's settings split into what is stored as JSON and the secret fields, sealed with the master key. */
export function sealSink(keyring: KeyRing, id: string, sink: SinkConfig): { settings: Record<string, unknown>; sealedSecrets: Buffer | null } {
  const secretNames = SINK_SECRET_FIELDS[sink.type];
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sink)) (secretNames.includes(k) ? secrets : settings)[k] = v;
  const sealedSecrets = Object.keys(secrets).length > 0 ? keyring.sealInstance(Buffer.from(JSON.stringify(secrets)), purpose(id)) : null;
  return { settings, sealedSecrets };
}

/** The full sink configuration of a stored stream, secrets opened. */
export function openSink(keyring: KeyRing, row: StreamRow): SinkConfig {
  const secrets = row.sealedSecrets ? (JSON.parse(keyring.openInstance(row.sealedSecrets, purpose(row.id)).toString('utf8')) as Record<string, unknown>) : {};
  return { ...row.settings, ...secrets } as SinkConfig;
}

/** The sink as a view shows it: secret fields that are set read ***ENCRYPTED***. */
export function sinkView(keyring: KeyRing, row: StreamRow): Record<string, unknown> & { type: SinkKind } {
  const secrets = row.sealedSecrets ? (JSON.parse(keyring.openInstance(row.sealedSecrets, purpose(row.id)).toString('utf8')) as Record<string, unknown>) : {};
  return { ...row.settings, ...Object.fromEntries(Object.keys(secrets).map((k) => [k, ENCRYPTED_MARKER])) } as Record<string, unknown> & { type: SinkKind };
}

export function rowFilter(row: StreamRow): StreamFilter {
  const r = streamFilterSchema.safeParse(row.filter);
  return r.success ? r.data : {};
}

export function rowFormat(row: StreamRow): StreamFormat {
  return (STREAM_FORMATS as readonly string[]).includes(row.format) ? (row.format as StreamFormat) : 'json';
}
