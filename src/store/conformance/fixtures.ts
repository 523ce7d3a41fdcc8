import { randomUUID } from 'node:crypto';
import type { StoreTx } from '../ports.js';
import type { AccessDraft, ApiKeyRow, AuditDraft, EnvironmentRow, ProjectRow, Store, UserRow } from '../types.js';

/** A fresh, empty storage location; open() returns a new (not yet migrated) Store on it each call. */
export interface StoreFixture {
  open(): Store;
  cleanup(): Promise<void>;
}

/** What each test of a port's conformance file reaches: the migrated store of this test and its fixture. */
export interface ConformanceContext {
  readonly store: Store;
  readonly fx: StoreFixture;
}
/** The fixture getter every port's conformance function takes (valid inside a test, not at registration). */
export type GetContext = () => ConformanceContext;

export const T0 = '2026-03-15T10:20:30.123Z';

export function auditDraft(o: Partial<AuditDraft> = {}): AuditDraft {
  return {
    id: randomUUID(), timestamp: T0, event: 'SecretRead',
    actor: { type: 'User', id: 'u-1', email: 'Alice@Example.com', name: 'Alice', ip: '10.0.0.1', client: 'billing-app' },
    projectSlug: 'alpha', environmentSlug: 'prod', resource: 'DB_URL', outcome: 'Success', requestId: randomUUID(),
    userAgent: 'bella-cli/0.1', reason: null, details: { version: 3, nested: { ok: true } }, ...o,
  };
}

export function accessDraft(o: Partial<AccessDraft> = {}): AccessDraft {
  return {
    id: randomUUID(), timestamp: T0, requestId: randomUUID(), method: 'GET', route: '/api/v1/x', path: '/api/v1/x?limit',
    status: 200, durationMs: 1.25, actor: { type: 'Anonymous', id: null, email: null, name: null, ip: '127.0.0.1', client: 'bella-js-sdk' },
    userAgent: null, projectSlug: null, environmentSlug: null, ...o,
  };
}

export const user = (email: string): UserRow => ({
  id: randomUUID(), email, name: email.split('@')[0] as string, passwordHash: 'h', admin: false, createdAt: T0,
});

export const project = (slug: string, o: Partial<ProjectRow> = {}): ProjectRow => ({
  id: randomUUID(), slug, name: slug.toUpperCase(), wrappedKey: Buffer.from([1, 2, 3]), createdAt: T0, ...o,
});

export const environment = (p: ProjectRow, slug: string): EnvironmentRow => ({
  id: randomUUID(), projectId: p.id, slug, name: slug, createdAt: T0, restricted: false,
});

export const apiKey = (p: ProjectRow, e: EnvironmentRow, id: string, createdBy: string | null): ApiKeyRow => ({
  id, projectId: p.id, environmentId: e.id, name: 'ci', role: 'CONSUMER', secretHash: 'sh',
  wrappedSigningKey: Buffer.from('sk'), wrappedSdkKey: Buffer.from('sdk'), createdAt: T0, createdBy, revokedAt: null,
});

/** Commits one unit that runs `work` and returns its value (throws when the unit failed). */
export async function commitWork<T>(store: Store, work: (tx: StoreTx) => Promise<T>): Promise<T> {
  const [out] = await store.commitBatch([{ work, audit: [], access: [] }]);
  if (!out?.ok) throw (out as { error: unknown } | undefined)?.error ?? new Error('no outcome');
  return out.value as T;
}

/** A small deterministic PRNG so a failing combination is reproducible. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
/** An integer in [lo, hi] */
export const between = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
