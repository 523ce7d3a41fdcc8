import { expect } from 'vitest';
import type { HttpResult, ServerProcess } from '../helpers/process.js';

export const P = '/api/v1/projects/faults/environments/prod';
export const SECRET_URL = `${P}/secrets/DB_PASSWORD`;

/** Project faults/prod with DB_PASSWORD = value; returns the admin's session token. */
export async function seedSecret(srv: ServerProcess, value: string): Promise<string> {
  const token = await srv.login();
  expect((await srv.request('POST', '/api/v1/projects', { token, body: { slug: 'faults', name: 'Faults' } })).status).toBe(201);
  expect((await srv.request('POST', '/api/v1/projects/faults/environments', { token, body: { slug: 'prod', name: 'Prod' } })).status).toBe(201);
  expect((await srv.request('PUT', SECRET_URL, { token, body: { value } })).status).toBe(200);
  return token;
}

/** n sequential reads of the secret. */
export async function reads(srv: ServerProcess, token: string, n: number): Promise<HttpResult[]> {
  const out: HttpResult[] = [];
  for (let i = 0; i < n; i++) out.push(await srv.request('GET', SECRET_URL, { token }));
  return out;
}

/** Polls until fn's result satisfies ok (or the deadline passes), returning the last result. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The request ids of every SecretRead entry in the Audit Log (all pages). */
export async function auditedReadIds(srv: ServerProcess, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const q: string = `?event=SecretRead&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await srv.request('GET', `/api/v1/audit-logs${q}`, { token });
    expect(r.status).toBe(200);
    const body = r.json<{ entries: { requestId: string }[]; nextCursor: string | null }>();
    for (const e of body.entries) ids.add(e.requestId);
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}
