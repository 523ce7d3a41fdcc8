import { expect } from 'vitest';
import { startTestServer, type StoreKind, type TestServer } from '../helpers/harness.js';
import { accessFor, auditCount, auditFor, createKey, errorOf, rid, seedProject, stateSnapshot } from './helpers.js';

/** One row of a bad-input table: the request, the 4xx it must get and what its message must say. */
export interface BadInput {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** may use {cursor} (a real audit cursor), {accessCursor} and {keyId} */
  readonly url: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  /** 'admin' (default) or 'none' */
  readonly as?: 'admin' | 'none';
  readonly status: number;
  readonly code: string;
  readonly message: RegExp;
  /** A refused credential on an auditable route is not "nothing written": it is one Denied row with this reason */
  readonly denied?: string;
}

export interface BadInputWorld {
  readonly t: TestServer;
  readonly cursor: string;
  readonly accessCursor: string;
  readonly keyId: string;
}

/** A server on `store` with a project p/prod, a secret K, an API key and enough log rows for cursors. */
export async function badInputWorld(store: StoreKind): Promise<BadInputWorld> {
  const t = await startTestServer({ store });
  await t.user('bob@example.com', 'Bob');
  await seedProject(t, t.adminToken, 'p', ['prod']);
  await t.req('PUT', '/api/v1/projects/p/environments/prod/secrets/K', { token: t.adminToken, body: { value: 'v' } });
  const key = await createKey(t, t.adminToken, 'p', 'prod', 'CONSUMER');
  const cursor = (await t.req('GET', '/api/v1/audit-logs?limit=1', { token: t.adminToken })).json().nextCursor as string;
  const accessCursor = (await t.req('GET', '/api/v1/access-logs?limit=1', { token: t.adminToken })).json().nextCursor as string;
  expect(cursor && accessCursor).toBeTruthy();
  return { t, cursor, accessCursor, keyId: key.id };
}

/**
 * Sends one bad request and checks the contract: a 4xx with the expected code and a message that says
 * what is wrong, nothing written (state and audit rows unchanged), and the request in the Access Log.
 */
export async function expectRefused(w: BadInputWorld, c: BadInput): Promise<void> {
  const { t } = w;
  const url = c.url.replace('{cursor}', encodeURIComponent(w.cursor)).replace('{accessCursor}', encodeURIComponent(w.accessCursor)).replace('{keyId}', w.keyId);
  const before = await stateSnapshot(t);
  const auditBefore = await auditCount(t);
  const id = rid('bad');
  const r = await t.req(c.method, url, {
    token: c.as === 'none' ? null : t.adminToken,
    body: c.body,
    raw: c.raw,
    headers: { ...c.headers, 'x-request-id': id },
  });
  expect(r.statusCode, r.body).toBe(c.status);
  expect(r.statusCode).toBeGreaterThanOrEqual(400);
  expect(r.statusCode).toBeLessThan(500);
  const err = errorOf(r);
  expect(err.code).toBe(c.code);
  expect(err.requestId).toBe(id);
  expect(err.message).toMatch(c.message);
  expect(await stateSnapshot(t)).toBe(before);
  if (c.denied) {
    const rows = await auditFor(t, id);
    expect(rows).toEqual([expect.objectContaining({ outcome: 'Denied', reason: c.denied })]);
    expect(await auditCount(t)).toBe(auditBefore + 1);
  } else {
    expect(await auditCount(t)).toBe(auditBefore);
  }
  const access = await accessFor(t, id);
  expect(access).toHaveLength(1);
  expect(access[0]).toMatchObject({ requestId: id, status: c.status, method: c.method });
}

/** A JSON-escaped secret value larger than the 512 KiB body limit. */
export const OVERSIZED_BODY = JSON.stringify({ value: 'x'.repeat(600 * 1024) });
