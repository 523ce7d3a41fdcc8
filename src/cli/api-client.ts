import { randomBytes } from 'node:crypto';
import { parseIssuedToken } from '../contract/issued-tokens.js';
import { deriveSigningKey, parseApiKey, signRequest } from '../contract/signing.js';
import { E2EE_HEADER, isE2EPayload, newE2EKeyPair } from '../contract/e2ee.js';
import { CliError, EXIT, httpError, networkError, type ErrorContext } from './errors.js';

/** How requests authenticate. API keys are never sent: requests are HMAC-signed with a key derived from them. */
export type ClientAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'session'; readonly token: string }
  | { readonly kind: 'apiKey'; readonly keyId: string; readonly signingKey: Buffer }
  /** Resolved on the first request (a keyless OIDC exchange inside GitHub Actions), then reused */
  | { readonly kind: 'lazy'; readonly resolve: () => Promise<ClientAuth> };

export type QueryValue = string | number | readonly string[] | null | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ClientOptions {
  /** Ask for values end-to-end encrypted (default true) */
  readonly e2ee?: boolean;
  /** Sent as X-App-Client: the application the Audit Log names as actor.client */
  readonly appClient?: string | null;
  /** `exchange`: the keyless token exchange, whose refusals are about the OIDC token, not a login */
  readonly purpose?: 'exchange';
}

/** X-Bella-Client of every request: which client library called (the Audit Log's actor.client unless an app name is set). */
export const BELLA_CLIENT = 'bella-cli';

export const USER_AGENT = 'bella-cli/0.1.0';
/** Long enough for a 1000-entry page on a busy server; short enough that a hung server is noticed. */
const TIMEOUT_MS = 60_000;

export function apiKeyAuth(key: string): ClientAuth {
  // A lease or trust token (bax-lease-…, bax-trust-…) is a Bearer token, never a signing key.
  if (parseIssuedToken(key)) return { kind: 'session', token: key };
  const parsed = parseApiKey(key);
  if (!parsed) {
    throw new CliError(EXIT.usage, 'that is not a Bella Baxter API key', 'API keys look like bax-<16 hex>-<48 hex>; create one with `bella api-keys create`.');
  }
  return { kind: 'apiKey', keyId: parsed.id, signingKey: deriveSigningKey(parsed.secret) };
}

/** Builds `?a=1&event=X&event=Y`, skipping unset values. */
export function buildSearch(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) params.append(name, v);
    else params.append(name, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** The headers that authenticate one request. */
export function authHeaders(auth: ClientAuth, method: string, url: URL, body: string, now: Date): Record<string, string> {
  if (auth.kind === 'session') return { authorization: `Bearer ${auth.token}` };
  if (auth.kind === 'none' || auth.kind === 'lazy') return {};
  const timestamp = String(Math.floor(now.getTime() / 1000));
  // A fresh nonce per request: the server accepts a signature once, and two identical requests in
  // the same second (a script reading one secret twice) must not look like a replay.
  const nonce = randomBytes(16).toString('base64url');
  return {
    'x-bella-key-id': auth.keyId,
    'x-bella-timestamp': timestamp,
    'x-bella-nonce': nonce,
    'x-bella-signature': signRequest(auth.signingKey, method, url.pathname, url.search, timestamp, body, nonce),
  };
}

/** A thin JSON client for the Bella Baxter HTTP API that turns every failure into a CliError. */
export class ApiClient {
  readonly baseUrl: string;
  readonly auth: ClientAuth;
  private readonly ctx: ErrorContext;
  private resolved: Promise<ClientAuth> | null = null;
  private readonly opts: ClientOptions;

  constructor(baseUrl: string, auth: ClientAuth, urlFromEnv: boolean, opts: ClientOptions = {}) {
    this.baseUrl = baseUrl;
    this.auth = auth;
    const issued = auth.kind === 'lazy' || (auth.kind === 'session' && auth.token.startsWith('bax-'));
    // `exchange`: the keyless token exchange, whose refusals are about the OIDC token, not a login
    this.ctx = { url: baseUrl, urlFromEnv, authKind: opts.purpose ?? (issued ? 'issuedToken' : (auth.kind as 'none' | 'session' | 'apiKey')) };
    this.opts = opts;
  }

  /** The credentials of the next request (a lazy one is resolved once). */
  private currentAuth(): Promise<ClientAuth> {
    const a = this.auth;
    if (a.kind !== 'lazy') return Promise.resolve(a);
    this.resolved ??= a.resolve();
    return this.resolved;
  }

  private clientHeaders(): Record<string, string> {
    return { 'x-bella-client': BELLA_CLIENT, ...(this.opts.appClient ? { 'x-app-client': this.opts.appClient } : {}) };
  }
  /**
   * A request whose answer carries secret values: end-to-end encrypted to a one-time key of this
   * call (unless turned off), so nothing between here and the server sees a value. An answer in
   * clear to a request that asked for encryption (a proxy stripped the header?) is refused.
   */
  async values<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    if (this.opts.e2ee === false) return this.request<T>(method, path, { query, body });
    const pair = newE2EKeyPair();
    const res = await this.request<unknown>(method, path, { query, body, headers: { [E2EE_HEADER]: pair.publicKeyB64 } });
    if (!isE2EPayload(res)) {
      throw new CliError(
        EXIT.error,
        `the server at ${this.baseUrl} answered in clear although the values were asked for end-to-end encrypted`,
        'Something between here and the server may have removed the X-E2E-Public-Key header. Set BELLA_BAXTER_E2EE=off only if you trust every hop.',
      );
    }
    try {
      return pair.decrypt(res) as T;
    } catch {
      throw new CliError(EXIT.error, `the end-to-end encrypted answer from ${this.baseUrl} does not decrypt`, 'It was altered on the way, or was not meant for this request; try again.');
    }
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}${buildSearch(opts.query)}`);
    const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...this.clientHeaders(),
      ...opts.headers,
      ...authHeaders(await this.currentAuth(), method, url, body, new Date()),
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      throw networkError(err, this.ctx);
    }
    if (!res.ok) throw httpError(res.status, text, this.ctx);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(EXIT.error, `the server at ${this.baseUrl} answered with something that is not JSON`, 'Check that BELLA_BAXTER_URL points at a Bella Baxter server.');
    }
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /**
   * GETs a streamed response (the log export endpoints) and yields its body chunk by chunk.
   *
   * An error status is mapped like `request` does, before anything is yielded. Once the body flows,
   * the timeout is per chunk (a long export is fine, a stalled one is not), and a body that ends
   * early (the server failed or the connection dropped mid-stream) is raised as exit 5, so callers
   * can discard what they wrote.
   */
  async *stream(path: string, query?: Query, method: 'GET' | 'POST' = 'GET', what = 'export', extra: Readonly<Record<string, string>> = {}): AsyncGenerator<Uint8Array> {
    const url = new URL(`${this.baseUrl}${path}${buildSearch(query)}`);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...extra, ...this.clientHeaders(), ...authHeaders(await this.currentAuth(), method, url, '', new Date()) };
    const abort = new AbortController();
    let timedOut = false;
    let timer = setTimeout(() => ((timedOut = true), abort.abort()), TIMEOUT_MS);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((timedOut = true), abort.abort()), TIMEOUT_MS);
    };
    let received = 0;
    try {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, signal: abort.signal });
      } catch (err) {
        throw networkError(timedOut ? Object.assign(new Error('timed out'), { name: 'TimeoutError' }) : err, this.ctx);
      }
      if (!res.ok || res.body === null) {
        let text = '';
        try {
          text = await res.text();
        } catch {
          // the status says enough
        }
        throw httpError(res.status, text, this.ctx);
      }
      rearm();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          rearm();
          received += chunk.byteLength;
          yield chunk;
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const reason = timedOut ? `no data for ${TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message ?? 'connection lost');
        throw new CliError(
          EXIT.unavailable,
          `the ${what} from ${this.baseUrl} broke off after ${received.toLocaleString('en-US')} bytes (${reason})`,
          'Nothing was written to stdout; try again, or narrow the export with --since/--until. The server log says why it stopped.',
        );
      }
    } finally {
      clearTimeout(timer);
      // Leaving early (a write to stdout failed): stop the download rather than leave it dangling.
      abort.abort();
    }
  }
}

/** Encodes one path segment (emails contain @, which must stay a single segment). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
