import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { AccessEntry, AuditEntry } from '../../src/contract/entries.js';
import { deriveSigningKey, parseApiKey, signRequest } from '../../src/contract/signing.js';
import type { TestServer } from '../helpers/harness.js';
import { createProject, seedApi } from '../helpers/seed.js';

/** UTC ISO 8601 with milliseconds, the only time format on the wire. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let counter = 0;
/** A fresh, well-formed X-Request-Id so a test can find its own rows. */
export const rid = (tag: string): string => `${tag.replace(/[^A-Za-z0-9._:-]/g, '-')}-${++counter}-${process.pid}`;

/** Audit rows of one request, oldest first, read straight from the store (reading through HTTP would add rows). */
export async function auditFor(t: TestServer, requestId: string): Promise<AuditEntry[]> {
  return (await t.server.store.auditLog.query({ requestId }, 1000)).reverse();
}

export async function accessFor(t: TestServer, requestId: string): Promise<AccessEntry[]> {
  return (await t.server.store.accessLog.query({ requestId }, 1000)).reverse();
}

export async function auditCount(t: TestServer): Promise<number> {
  return (await t.server.store.auditLog.query({}, 1_000_000)).length;
}

/** The seed page's fields, under their JSON names, plus id, seq, userAgent, reason and details. */
export function expectSeedShape(e: AuditEntry): void {
  expect(Object.keys(e).sort()).toEqual(
    ['actor', 'details', 'environmentSlug', 'event', 'id', 'outcome', 'projectSlug', 'reason', 'requestId', 'resource', 'seq', 'timestamp', 'userAgent'].sort(),
  );
  expect(e.timestamp).toMatch(ISO_MS);
  // client (the calling application, X-App-Client / X-Bella-Client) comes after the seed's actor fields.
  expect(Object.keys(e.actor).sort()).toEqual(['client', 'email', 'id', 'ip', 'name', 'type']);
  expect(['Success', 'Denied']).toContain(e.outcome);
  expect(Number.isSafeInteger(e.seq) && e.seq > 0).toBe(true);
  expect(typeof e.details).toBe('object');
  if (e.outcome === 'Success') expect(e.reason).toBeNull();
  else expect(e.reason).toMatch(/^[a-z_]+$/);
}

/** The single audit entry a request wrote, checked for the seed's shape. */
export async function oneAudit(t: TestServer, requestId: string): Promise<AuditEntry> {
  const rows = await auditFor(t, requestId);
  expect(rows, `audit rows of ${requestId}`).toHaveLength(1);
  const e = rows[0] as AuditEntry;
  expectSeedShape(e);
  return e;
}

/** Everything a bad request must leave untouched: users, projects, environments, members, secrets, API keys. */
export async function stateSnapshot(t: TestServer): Promise<string> {
  const s = t.server.store;
  const projects = [];
  for (const p of await s.projects.list()) {
    const envs = [];
    for (const e of await s.projects.listEnvironments(p.id)) envs.push({ e, secrets: await s.secrets.list(e.id) });
    projects.push({ p: { ...p, wrappedKey: p.wrappedKey.toString('hex') }, envs, members: await s.members.listOfProject(p.id), keys: (await s.apiKeys.list(p.id)).map((k) => ({ ...k, wrappedSigningKey: null })) });
  }
  return JSON.stringify({ users: await s.users.list(), projects });
}

/** Creates a project and its environments as `token`'s user (who becomes OWNER), with the shared seeding steps. */
export async function seedProject(t: TestServer, token: string, slug: string, envs: readonly string[]): Promise<void> {
  await createProject(seedApi(t), token, slug, envs);
}

export async function createKey(t: TestServer, token: string, project: string, env: string, role: string, name = `key-${role}`): Promise<{ id: string; key: string }> {
  const r = await t.req('POST', `/api/v1/projects/${project}/environments/${env}/api-keys`, { token, body: { name, role } });
  expect(r.statusCode, r.body).toBe(201);
  return r.json() as { id: string; key: string };
}

/** Headers of an HMAC-signed API-key request (src/contract/signing.ts), as the CLI sends them. */
export function signedHeaders(key: string, method: string, url: string, body = '', now = new Date()): Record<string, string> {
  const parsed = parseApiKey(key);
  if (!parsed) throw new Error(`not an API key: ${key}`);
  const u = new URL(url, 'http://localhost');
  const ts = String(Math.floor(now.getTime() / 1000));
  // A fresh nonce, as the CLI sends: a signature is accepted once.
  const nonce = randomBytes(16).toString('base64url');
  return {
    'x-bella-key-id': parsed.id,
    'x-bella-timestamp': ts,
    'x-bella-nonce': nonce,
    'x-bella-signature': signRequest(deriveSigningKey(parsed.secret), method, u.pathname, u.search, ts, body, nonce),
  };
}

/** The error body's message; fails the test when the body is not an error. */
export function errorOf(r: LightMyRequestResponse): { code: string; message: string; requestId: string } {
  const body = r.json() as { error?: { code: string; message: string; requestId: string } };
  expect(body.error, r.body).toBeDefined();
  return body.error as { code: string; message: string; requestId: string };
}
