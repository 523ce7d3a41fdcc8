import type { ErrorBody, LoginResponse } from '../../../src/contract/api.js';

/**
 * The WebApp's only door to the server. The session token lives in localStorage, shared by every
 * tab of this origin, so a permalink opened in a new tab is signed in too (sessionStorage, used
 * before, is per tab: every new tab asked to sign in again). No cookies, so no CSRF surface; it
 * rides on every request as a Bearer header. Signing out in one tab signs out all of them (the
 * storage event), and the server's expiry still bounds the token's life.
 */
const TOKEN_KEY = 'bella.session';

export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly email: string;
  readonly name: string;
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(TOKEN_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  else localStorage.removeItem(TOKEN_KEY);
}

/** Calls fn when another tab signs in or out (the storage event fires in the other tabs only). */
export function onSessionChange(fn: (s: Session | null) => void): () => void {
  const handler = (e: StorageEvent) => {
    if (e.key === TOKEN_KEY || e.key === null) fn(loadSession());
  };
  window.addEventListener('storage', handler);
  return () => window.removeEventListener('storage', handler);
}

/** A failed API call, carrying the server's error code and requestId so the UI can show both. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** the error body's details (a search error's column, for one) */
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Listeners told when the server says the session is no longer valid, so the app can sign out. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export async function apiFetch(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<Response> {
  const headers = new Headers(init.headers);
  const s = loadSession();
  if (s) headers.set('Authorization', `Bearer ${s.token}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, signal: signal ?? init.signal ?? null });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check that bella-server is running.', null);
  }
  if (!res.ok) {
    let body: Partial<ErrorBody> = {};
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      // Not every failure has a JSON body (a proxy's 502, for one); the status still says enough.
    }
    const err = body.error;
    if (res.status === 401 && s) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? `The server answered ${res.status} ${res.statusText}`.trim(),
      err?.requestId ?? res.headers.get('x-request-id'),
      err?.details,
    );
  }
  return res;
}

export async function apiJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await apiFetch(path, {}, signal);
  return (await res.json()) as T;
}

export async function login(email: string, password: string): Promise<Session> {
  const res = await apiFetch('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  const body = (await res.json()) as LoginResponse;
  const s: Session = { token: body.token, expiresAt: body.expiresAt, email: body.user.email, name: body.user.name };
  saveSession(s);
  return s;
}

export async function logout(): Promise<void> {
  try {
    await apiFetch('/api/v1/auth/logout', { method: 'POST', body: '{}' });
  } finally {
    saveSession(null);
  }
}
