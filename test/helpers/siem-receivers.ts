import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * In-process receivers for the SIEM protocols that cannot run here (Splunk HEC, Datadog Logs v2,
 * Azure Monitor Logs Ingestion) and for signed webhooks, built to their documented wire protocol:
 * auth headers and the answers to bad ones, gzip, batching limits, status codes, Retry-After, HEC
 * indexer acknowledgements. Each records what it accepted, in arrival order. `outage` answers the
 * next requests with a canned failure; `hang` accepts connections and never answers.
 */
export interface Canned {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Receiver {
  readonly url: string;
  /** Requests received (any path, accepted or not) */
  requests: number;
  /** Failures to answer the next requests with, in order */
  outage: Canned[];
  /** Accept and never answer */
  hang: boolean;
  /** Answer each request only after this long (a slow receiver) */
  delayMs: number;
  /** Every answer given: when (epoch ms), to which path, with which status */
  readonly log: { readonly at: number; readonly path: string; readonly status: number }[];
  close(): Promise<void>;
}

interface Base extends Receiver {
  readonly server: Server;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

function send(res: ServerResponse, c: Canned): void {
  const text = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  res.writeHead(c.status, { 'content-type': 'application/json', ...c.headers });
  res.end(text);
}

async function listen(handle: (req: IncomingMessage, raw: Buffer, res: ServerResponse) => Canned | Promise<Canned>): Promise<Base> {
  const hung = new Set<ServerResponse>();
  const r: Base = {
    url: '',
    requests: 0,
    outage: [],
    hang: false,
    delayMs: 0,
    log: [],
    server: createServer((req, res) => {
      r.requests++;
      void (async () => {
        const raw = await body(req).catch(() => Buffer.alloc(0));
        if (r.hang) {
          hung.add(res);
          return;
        }
        if (r.delayMs > 0) await new Promise((w) => setTimeout(w, r.delayMs));
        const canned = r.outage.shift() ?? (await handle(req, raw, res));
        r.log.push({ at: Date.now(), path: new URL(req.url ?? '/', 'http://x').pathname, status: canned.status });
        send(res, canned);
      })();
    }),
    async close() {
      for (const res of hung) res.destroy();
      r.server.closeAllConnections();
      await new Promise<void>((resolve) => r.server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  (r as { url: string }).url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

/** Splits HEC's concatenated JSON objects (whitespace between them allowed); throws on anything else. */
export function splitConcatenated(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') throw new Error('not an object');
    let depth = 0;
    let inStr = false;
    let j = i;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inStr) {
        if (c === '\\') j++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    out.push(JSON.parse(text.slice(i, j + 1)));
    i = j + 1;
  }
  return out;
}

export interface HecEvent {
  readonly time: number;
  readonly host?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly index?: string;
  readonly event: unknown;
}

export interface HecReceiver extends Receiver {
  token: string;
  /** Token disabled: 403 code 1 */
  disabled: boolean;
  /** Indexer acknowledgement on for the token */
  ack: boolean;
  /** The next N ackIds are never reported true (an indexer that lost them) */
  loseAcks: number;
  readonly events: HecEvent[];
  /** When each event arrived (epoch ms), parallel to `events` */
  readonly arrivedAt: number[];
  readonly channels: Set<string>;
  ackPolls: number;
}

/**
 * Splunk HEC: POST /services/collector/event with `Authorization: Splunk <token>` (missing: 401 code 2;
 * not that scheme: 401 code 3; unknown: 403 code 4; disabled: 403 code 1), concatenated event objects
 * (none: 400 code 5; not JSON: 400 code 6; no `event`: 400 code 12), with ack on a channel is required
 * (400 code 10) and the answer carries an ackId; POST /services/collector/ack {"acks":[…]} reports
 * each id true once it is indexed (and false after it was reported).
 */
export async function startHecReceiver(opts: { token?: string; ack?: boolean } = {}): Promise<HecReceiver> {
  const pending = new Map<string, Map<number, 'indexed' | 'lost' | 'reported'>>();
  const nextId = new Map<string, number>();
  let r: HecReceiver;
  const base = await listen((req, raw) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    if (!auth) return { status: 401, body: { text: 'Token is required', code: 2 } };
    const m = /^Splunk (.+)$/.exec(auth);
    if (!m) return { status: 401, body: { text: 'Invalid authorization', code: 3 } };
    if (m[1] !== r.token) return { status: 403, body: { text: 'Invalid token', code: 4 } };
    if (r.disabled) return { status: 403, body: { text: 'Token disabled', code: 1 } };
    const channel = (req.headers['x-splunk-request-channel'] as string | undefined) ?? url.searchParams.get('channel');
    if (req.method === 'POST' && url.pathname === '/services/collector/ack') {
      r.ackPolls++;
      if (!r.ack) return { status: 400, body: { text: 'ACK is disabled', code: 14 } };
      if (!channel) return { status: 400, body: { text: 'Data channel is missing', code: 10 } };
      const ids = (JSON.parse(raw.toString('utf8')) as { acks: number[] }).acks;
      const ch = pending.get(channel) ?? new Map();
      const acks: Record<string, boolean> = {};
      for (const id of ids) {
        const s = ch.get(id);
        acks[String(id)] = s === 'indexed';
        if (s === 'indexed') ch.set(id, 'reported');
      }
      return { status: 200, body: { acks } };
    }
    if (req.method !== 'POST' || !['/services/collector/event', '/services/collector', '/services/collector/event/1.0'].includes(url.pathname)) {
      return { status: 404, body: { text: 'The requested URL was not found on this server.', code: 404 } };
    }
    if (r.ack && !channel) return { status: 400, body: { text: 'Data channel is missing', code: 10 } };
    const text = raw.toString('utf8');
    if (text.trim() === '') return { status: 400, body: { text: 'No data', code: 5 } };
    let events: unknown[];
    try {
      events = splitConcatenated(text);
    } catch {
      return { status: 400, body: { text: 'Invalid data format', code: 6 } };
    }
    if (events.some((e) => (e as { event?: unknown }).event === undefined)) return { status: 400, body: { text: "Event field is required", code: 12 } };
    if (events.some((e) => (e as { event?: unknown }).event === '')) return { status: 400, body: { text: 'Event field cannot be blank', code: 13 } };
    r.events.push(...(events as HecEvent[]));
    const at = Date.now();
    for (let i = 0; i < events.length; i++) r.arrivedAt.push(at);
    if (!r.ack || !channel) return { status: 200, body: { text: 'Success', code: 0 } };
    r.channels.add(channel);
    const id = nextId.get(channel) ?? 0;
    nextId.set(channel, id + 1);
    const ch = pending.get(channel) ?? new Map<number, 'indexed' | 'lost' | 'reported'>();
    pending.set(channel, ch);
    if (r.loseAcks > 0) {
      r.loseAcks--;
      ch.set(id, 'lost');
    } else ch.set(id, 'indexed');
    return { status: 200, body: { text: 'Success', code: 0, ackId: id } };
  });
  r = Object.assign(base, { token: opts.token ?? 'hec-token-00000000', disabled: false, ack: opts.ack ?? false, loseAcks: 0, events: [] as HecEvent[], arrivedAt: [] as number[], channels: new Set<string>(), ackPolls: 0 });
  return r;
}

export interface DatadogReceiver extends Receiver {
  apiKey: string;
  readonly logs: Record<string, unknown>[];
  readonly batchSizes: number[];
}

/** Datadog Logs v2: POST /api/v2/logs, DD-API-KEY (wrong: 403), a JSON array of ≤ 1,000 logs and ≤ 5 MB (else 413), 202. */
export async function startDatadogReceiver(opts: { apiKey?: string } = {}): Promise<DatadogReceiver> {
  let r: DatadogReceiver;
  const base = await listen((req, raw) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/api/v2/logs') return { status: 404, body: { errors: [{ status: '404', title: 'Not Found' }] } };
    if (req.headers['dd-api-key'] !== r.apiKey) return { status: 403, body: { errors: [{ status: '403', title: 'Forbidden', detail: 'Invalid API key' }] } };
    if (raw.length > 5 * 1024 * 1024) return { status: 413, body: { errors: [{ status: '413', title: 'Payload Too Large' }] } };
    let logs: unknown;
    try {
      logs = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { errors: [{ status: '400', title: 'Bad Request', detail: 'invalid JSON' }] } };
    }
    const list = Array.isArray(logs) ? logs : [logs];
    if (list.length > 1000) return { status: 413, body: { errors: [{ status: '413', title: 'Payload Too Large', detail: 'more than 1000 entries' }] } };
    r.logs.push(...(list as Record<string, unknown>[]));
    r.batchSizes.push(list.length);
    return { status: 202, body: {} };
  });
  r = Object.assign(base, { apiKey: opts.apiKey ?? 'dd-api-key-0000000000000000', logs: [] as Record<string, unknown>[], batchSizes: [] as number[] });
  return r;
}

export interface AzureReceiver extends Receiver {
  clientSecret: string;
  readonly rows: Record<string, unknown>[];
  tokenRequests: number;
  /** Tokens issued; a revoked one is refused with 401 */
  readonly revoked: Set<string>;
  readonly tokens: string[];
  expiresIn: number;
}

/**
 * Azure: the Entra ID token endpoint (client credentials, scope https://monitor.azure.com//.default;
 * a wrong secret: 401 invalid_client) and the Logs Ingestion API (Bearer; api-version=2023-01-01;
 * ≤ 1 MB, else 413; 204).
 */
export async function startAzureReceiver(opts: { tenant: string; clientId: string; clientSecret: string; dcr: string; stream: string }): Promise<AzureReceiver> {
  let r: AzureReceiver;
  const base = await listen((req, raw) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === `/${opts.tenant}/oauth2/v2.0/token`) {
      r.tokenRequests++;
      const f = new URLSearchParams(raw.toString('utf8'));
      if (f.get('grant_type') !== 'client_credentials' || f.get('scope') !== 'https://monitor.azure.com//.default') return { status: 400, body: { error: 'invalid_request' } };
      if (f.get('client_id') !== opts.clientId || f.get('client_secret') !== r.clientSecret) return { status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' } };
      const token = `tok-${r.tokenRequests}-${Math.random().toString(36).slice(2)}`;
      r.tokens.push(token);
      return { status: 200, body: { token_type: 'Bearer', expires_in: r.expiresIn, access_token: token } };
    }
    if (req.method !== 'POST' || url.pathname !== `/dataCollectionRules/${opts.dcr}/streams/${opts.stream}`) return { status: 404, body: { error: { code: 'NotFound' } } };
    if (url.searchParams.get('api-version') !== '2023-01-01') return { status: 400, body: { error: { code: 'InvalidApiVersion' } } };
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !r.tokens.includes(m[1] as string) || r.revoked.has(m[1] as string)) return { status: 401, body: { error: { code: 'InvalidToken' } } };
    if (raw.length > 1024 * 1024) return { status: 413, body: { error: { code: 'ContentLengthLimitExceeded' } } };
    r.rows.push(...(JSON.parse(raw.toString('utf8')) as Record<string, unknown>[]));
    return { status: 204 };
  });
  r = Object.assign(base, { clientSecret: opts.clientSecret, rows: [] as Record<string, unknown>[], tokenRequests: 0, revoked: new Set<string>(), tokens: [] as string[], expiresIn: 3599 });
  return r;
}

export interface WebhookReceiver extends Receiver {
  readonly deliveries: { readonly stream: string; readonly records: unknown[] }[];
  /** Requests whose signature did not verify (answered 401) */
  badSignatures: number;
}

/** A webhook endpoint that verifies `X-Bella-Signature: t=…,v1=HMAC-SHA256(secret, "{t}.{body}")` (401 otherwise). */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  let r: WebhookReceiver;
  const base = await listen((req, raw) => {
    const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers['x-bella-signature'] ?? ''));
    const expected = sig ? createHmac('sha256', secret).update(`${sig[1]}.${raw.toString('utf8')}`).digest() : null;
    if (!sig || !expected || !timingSafeEqual(expected, Buffer.from(sig[2] as string, 'hex')) || Math.abs(Date.now() / 1000 - Number(sig[1])) > 300) {
      r.badSignatures++;
      return { status: 401, body: { error: 'bad signature' } };
    }
    r.deliveries.push(JSON.parse(raw.toString('utf8')) as { stream: string; records: unknown[] });
    return { status: 200, body: { ok: true } };
  });
  r = Object.assign(base, { deliveries: [] as { stream: string; records: unknown[] }[], badSignatures: 0 });
  return r;
}

/** Polls until `check` holds (or fails the test with `what` after `ms`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
