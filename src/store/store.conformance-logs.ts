import { expect, it } from 'vitest';
import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import type { ActorType, EventType, Outcome } from '../contract/events.js';
import { accessDraft, auditDraft } from './store.conformance.js';
import type { AccessFilter, AuditFilter, LogFilterBase, Store } from './types.js';

/** A small deterministic PRNG so a failing filter combination is reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const PROJECTS = ['alpha', 'beta', null] as const;
const ENVS = ['prod', 'dev', null] as const;
const ACTORS = [
  { type: 'User' as ActorType, id: 'u-1', email: 'Alice@Example.com', name: 'Alice', ip: '10.0.0.1' },
  { type: 'User' as ActorType, id: 'u-2', email: 'bob@example.com', name: 'Bob', ip: '10.0.0.2' },
  { type: 'ApiKey' as ActorType, id: 'key-9', email: null, name: 'ci', ip: '10.0.0.3' },
  { type: 'System' as ActorType, id: null, email: null, name: 'bella-server', ip: null },
];
const EVENTS: EventType[] = ['SecretRead', 'SecretUpdated', 'UserLogin', 'MemberAdded'];
const OUTCOMES: Outcome[] = ['Success', 'Denied'];
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000 + n * 1234).toISOString();

/** The reference semantics of LogFilterBase, applied in memory. */
function matchBase(f: LogFilterBase, e: AuditEntry | AccessEntry): boolean {
  if (f.projectIn && !(f.projectIn.includes(e.projectSlug as string) || (f.includeInstance && e.projectSlug === null))) return false;
  if (f.project !== undefined && e.projectSlug !== f.project) return false;
  if (f.environment !== undefined && e.environmentSlug !== f.environment) return false;
  if (f.since !== undefined && e.timestamp < f.since) return false;
  if (f.until !== undefined && e.timestamp >= f.until) return false;
  if (f.actor !== undefined) {
    const a = e.actor;
    if (!(a.email?.toLowerCase() === f.actor.toLowerCase() || a.name === f.actor || a.id === f.actor)) return false;
  }
  if (f.actorType !== undefined && e.actor.type !== f.actorType) return false;
  if (f.requestId !== undefined && e.requestId !== f.requestId) return false;
  if (f.beforeSeq !== undefined && e.seq >= f.beforeSeq) return false;
  return true;
}
const matchAudit = (f: AuditFilter, e: AuditEntry) =>
  matchBase(f, e) && (!f.events?.length || f.events.includes(e.event)) && (f.outcome === undefined || e.outcome === f.outcome) &&
  (f.resource === undefined || e.resource === f.resource);
const matchAccess = (f: AccessFilter, e: AccessEntry) =>
  matchBase(f, e) && (f.method === undefined || e.method === f.method) && (f.status === undefined || e.status === f.status) &&
  (f.path === undefined || e.path === f.path);

async function seed(store: Store): Promise<{ audit: AuditEntry[]; access: AccessEntry[] }> {
  const r = prng(7);
  for (let b = 0; b < 12; b++) {
    const units = Array.from({ length: 5 }, (_, u) => {
      const n = b * 5 + u;
      const project = pick(r, PROJECTS);
      const common = { projectSlug: project, environmentSlug: project ? pick(r, ENVS) : null, actor: pick(r, ACTORS), timestamp: day(n) };
      return {
        audit: [auditDraft({ ...common, event: pick(r, EVENTS), outcome: pick(r, OUTCOMES), resource: pick(r, ['A', 'B', null]), requestId: `req-${n}` })],
        access: [accessDraft({ ...common, requestId: `req-${n}`, method: pick(r, ['GET', 'PUT']), status: pick(r, [200, 403, 503]), path: pick(r, ['/a', '/b']) })],
      };
    });
    await store.commitBatch(units);
  }
  return { audit: await store.auditLog.query({}, 1000), access: await store.accessLog.query({}, 1000) };
}

function randomBase(r: () => number): LogFilterBase {
  const f: Record<string, unknown> = {};
  if (r() < 0.25) f.projectIn = r() < 0.2 ? [] : ['alpha', 'beta'].filter(() => r() < 0.6);
  if (f.projectIn && r() < 0.5) f.includeInstance = true;
  if (r() < 0.25) f.project = pick(r, ['alpha', 'beta', 'gamma']);
  if (r() < 0.25) f.environment = pick(r, ['prod', 'dev']);
  if (r() < 0.3) f.since = day(Math.floor(r() * 60));
  if (r() < 0.3) f.until = day(Math.floor(r() * 60));
  if (r() < 0.3) f.actor = pick(r, ['alice@example.COM', 'Bob', 'key-9', 'bella-server', 'nobody']);
  if (r() < 0.25) f.actorType = pick(r, ['User', 'ApiKey', 'System']);
  if (r() < 0.1) f.requestId = `req-${Math.floor(r() * 60)}`;
  if (r() < 0.3) f.beforeSeq = 1 + Math.floor(r() * 61);
  return f as LogFilterBase;
}

/** Log queries (every filter, combined at random against an in-memory oracle), keyset paging, purge, partitions. */
export function logConformance(ctx: () => { store: Store }): void {
  it('audit queries agree with the reference semantics for every filter and hundreds of combinations', async () => {
    const { store } = ctx();
    const { audit } = await seed(store);
    expect(audit.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => 60 - i));
    const r = prng(11);
    for (let i = 0; i < 300; i++) {
      const f: AuditFilter = {
        ...randomBase(r),
        ...(r() < 0.3 ? { events: EVENTS.filter(() => r() < 0.5) } : {}),
        ...(r() < 0.3 ? { outcome: pick(r, OUTCOMES) } : {}),
        ...(r() < 0.3 ? { resource: pick(r, ['A', 'B']) } : {}),
      };
      const limit = 1 + Math.floor(r() * 70);
      const expected = audit.filter((e) => matchAudit(f, e)).slice(0, limit);
      expect(await store.auditLog.query(f, limit), JSON.stringify(f)).toEqual(expected);
    }
  });

  it('the audit histogram and oldest timestamp agree with counting the matching entries', async () => {
    const { store } = ctx();
    const { audit } = await seed(store);
    const r = prng(23);
    for (let i = 0; i < 60; i++) {
      const f: AuditFilter = { ...randomBase(r), ...(r() < 0.3 ? { outcome: pick(r, OUTCOMES) } : {}) };
      const matching = audit.filter((e) => matchAudit(f, e));
      const from = day(0);
      const bucketMs = pick(r, [3_600_000, 86_400_000, 7 * 86_400_000]);
      const expected = new Map<string, number>();
      for (const e of matching) {
        const key = `${Math.floor((Date.parse(e.timestamp) - Date.parse(from)) / bucketMs)}/${e.outcome}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      const got = new Map((await store.auditLog.histogram(f, bucketMs, from)).map((c) => [`${c.bucket}/${c.outcome}`, c.count]));
      expect(got, JSON.stringify(f)).toEqual(expected);
      const oldest = matching.length ? matching.map((e) => e.timestamp).sort()[0] : null;
      expect(await store.auditLog.oldest(f), JSON.stringify(f)).toBe(oldest);
    }
  });

  it('access queries agree with the reference semantics for every filter and hundreds of combinations', async () => {
    const { store } = ctx();
    const { access } = await seed(store);
    const r = prng(13);
    for (let i = 0; i < 300; i++) {
      const f: AccessFilter = {
        ...randomBase(r),
        ...(r() < 0.3 ? { method: pick(r, ['GET', 'PUT']) } : {}),
        ...(r() < 0.3 ? { status: pick(r, [200, 403, 503]) } : {}),
        ...(r() < 0.3 ? { path: pick(r, ['/a', '/b']) } : {}),
      };
      const limit = 1 + Math.floor(r() * 70);
      expect(await store.accessLog.query(f, limit), JSON.stringify(f)).toEqual(access.filter((e) => matchAccess(f, e)).slice(0, limit));
    }
  });

  it('keyset paging with beforeSeq walks a filtered log newest first without gaps or repeats', async () => {
    const { store } = ctx();
    const { audit } = await seed(store);
    const f: AuditFilter = { projectIn: ['alpha'], includeInstance: true };
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await store.auditLog.query({ ...f, beforeSeq: before }, 7);
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.seq));
      before = page[page.length - 1]?.seq;
    }
    expect(seen).toEqual(audit.filter((e) => matchAudit(f, e)).map((e) => e.seq));
  });

  it('purge removes only entries older than the cut-off, in batches, and seq never restarts', async () => {
    const { store } = ctx();
    const { audit, access } = await seed(store);
    const cutoff = day(25);
    const oldAudit = audit.filter((e) => e.timestamp < cutoff).length;
    expect(await store.auditLog.purge(cutoff, 4)).toBe(oldAudit);
    expect(await store.accessLog.purge(cutoff, 1000)).toBe(access.filter((e) => e.timestamp < cutoff).length);
    expect(await store.auditLog.query({}, 1000)).toEqual(audit.filter((e) => e.timestamp >= cutoff));
    expect(await store.accessLog.query({}, 1000)).toEqual(access.filter((e) => e.timestamp >= cutoff));
    expect(await store.auditLog.purge(cutoff, 4)).toBe(0);
    expect(await store.auditLog.purge('2100-01-01T00:00:00.000Z', 10)).toBe(audit.length - oldAudit);
    await store.commitBatch([{ audit: [auditDraft()], access: [] }]);
    expect((await store.auditLog.query({}, 10)).map((e) => e.seq)).toEqual([61]);
  });

  it('rows with timestamps far outside the prepared months still commit, and preparing partitions again keeps them', async () => {
    const { store } = ctx();
    await store.ensurePartitions(new Date().toISOString());
    const far = ['1999-12-31T23:59:59.999Z', '2099-06-01T00:00:00.000Z', new Date().toISOString()];
    const out = await store.commitBatch([{ audit: far.map((timestamp) => auditDraft({ timestamp })), access: [accessDraft({ timestamp: far[0] })] }]);
    expect(out[0]?.ok).toBe(true);
    await store.ensurePartitions('2099-05-20T00:00:00.000Z');
    await store.ensurePartitions('2099-05-20T00:00:00.000Z');
    expect((await store.auditLog.query({}, 10)).map((e) => e.timestamp).sort()).toEqual([...far].sort());
    expect(await store.auditLog.query({ since: '2099-01-01T00:00:00.000Z' }, 10)).toHaveLength(1);
  });
}
