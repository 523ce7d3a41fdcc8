import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessReviewView } from '../../src/contract/access-review.js';
import type { AuditEntry } from '../../src/contract/entries.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const base = '/api/v1/projects/shop/access-reviews';
const DAY = 86_400_000;

describe('access reviews', () => {
  let t: TestServer;
  let now = Date.now();
  let owner: string;
  let auditor: string;
  let keyId: string;
  let review: AccessReviewView;
  const entries = async (q: string) => (await t.req('GET', `/api/v1/audit-logs?project=shop&${q}`, { token: t.adminToken })).json().entries as AuditEntry[];

  beforeAll(async () => {
    // A clock the test moves: grants used "long ago" are flagged, those used recently are not.
    t = await startTestServer({ clock: () => new Date(now) });
    owner = await t.user('olga@example.com', 'Olga');
    auditor = await t.user('audra@example.com', 'Audra');
    const reader = await t.user('rita@example.com', 'Rita');
    await t.user('idle@example.com', 'Idle');
    await t.req('POST', '/api/v1/projects', { token: owner, body: { slug: 'shop', name: 'Shop' } });
    await t.req('POST', '/api/v1/projects/shop/environments', { token: owner, body: { slug: 'prod', name: 'Prod' } });
    for (const [u, role] of [['audra', 'AUDITOR'], ['rita', 'CONSUMER'], ['idle', 'MEMBER']]) {
      expect((await t.req('PUT', `/api/v1/projects/shop/members/${u}@example.com`, { token: owner, body: { role } })).statusCode).toBe(200);
    }
    await t.req('PUT', '/api/v1/projects/shop/environments/prod/secrets/DB', { token: owner, body: { value: 'v' } });
    const k = await t.req('POST', '/api/v1/projects/shop/environments/prod/api-keys', { token: owner, body: { name: 'ci', role: 'CONSUMER' } });
    keyId = k.json().id;
    // Rita reads 200 days ago (stale); the key pulls 200 days ago too, then now moves on.
    now -= 200 * DAY;
    expect((await t.req('GET', '/api/v1/projects/shop/environments/prod/secrets/DB', { token: reader })).statusCode).toBe(200);
    now += 200 * DAY;
    expect((await t.req('GET', '/api/v1/projects/shop/environments/prod/secrets/DB', { token: owner })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('start freezes every grant with its last use and flags grants unused for 90 days; an AUDITOR may read it but not start one', async () => {
    expect((await t.req('POST', base, { token: auditor })).statusCode).toBe(403);
    const r = await t.req('POST', base, { token: owner });
    expect(r.statusCode, r.body).toBe(201);
    review = r.json();
    const by = (s: string) => review.grants.find((g) => g.subject.startsWith(s));
    expect(review.grants.map((g) => [g.kind, g.subject.split(' ')[0], g.role]).sort()).toEqual(
      [['apiKey', 'ci', 'CONSUMER'], ['member', 'audra@example.com', 'AUDITOR'], ['member', 'idle@example.com', 'MEMBER'], ['member', 'olga@example.com', 'OWNER'], ['member', 'rita@example.com', 'CONSUMER']].sort(),
    );
    expect(by('olga@')).toMatchObject({ unused: false });
    expect(by('olga@')?.lastUsedAt).not.toBeNull();
    expect(by('rita@')).toMatchObject({ unused: true });
    expect(Date.parse(by('rita@')?.lastUsedAt ?? '')).toBeLessThan(now - 190 * DAY);
    expect(by('idle@')).toMatchObject({ lastUsedAt: null, unused: true });
    expect(by('ci ')).toMatchObject({ grantId: `apiKey:${keyId}`, lastUsedAt: null, unused: true });
    const started = (await entries('event=AccessReviewStarted'))[0];
    expect(started?.details).toMatchObject({ reviewId: review.id, grants: review.grants.map((g) => ({ ...g, decision: undefined })).map(({ decision: _d, ...g }) => g) });
    const shown = await t.req('GET', `${base}/${review.id}`, { token: auditor });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().total).toBe(5);
  });

  it('the population stays frozen: a member added later is not in the review', async () => {
    await t.user('late@example.com', 'Late');
    await t.req('PUT', '/api/v1/projects/shop/members/late@example.com', { token: owner, body: { role: 'CONSUMER' } });
    const v = (await t.req('GET', `${base}/${review.id}`, { token: owner })).json() as AccessReviewView;
    expect(v.grants.some((g) => g.subject === 'late@example.com')).toBe(false);
  });

  it('each decision is audited with its rationale; revoke removes the grant (member and API key); a second decision on a grant is refused', async () => {
    const rita = review.grants.find((g) => g.subject === 'rita@example.com');
    const olga = review.grants.find((g) => g.subject === 'olga@example.com');
    const ci = review.grants.find((g) => g.kind === 'apiKey');
    const decide = (token: string, grant: number | undefined, decision: string, rationale: string) =>
      t.req('POST', `${base}/${review.id}/decisions`, { token, body: { grant, decision, rationale } });
    expect((await decide(auditor, rita?.n, 'revoke', 'not used in 200 days')).statusCode).toBe(403);
    const r = await decide(owner, rita?.n, 'revoke', 'not used in 200 days');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().grants.find((g: { n: number }) => g.n === rita?.n).decision).toMatchObject({ decision: 'revoke', rationale: 'not used in 200 days', decidedBy: 'olga@example.com', revocation: 'revoked' });
    const members = (await t.req('GET', '/api/v1/projects/shop/members', { token: owner })).json();
    expect(JSON.stringify(members)).not.toContain('rita@example.com');
    expect((await decide(owner, olga?.n, 'keep', 'project owner, reads daily')).statusCode).toBe(200);
    expect((await decide(owner, ci?.n, 'revoke', 'CI moved to keyless')).statusCode).toBe(200);
    expect(((await t.req('GET', '/api/v1/projects/shop/environments/prod/api-keys', { token: owner })).json().apiKeys as { id: string; revokedAt: string }[]).find((k: { id: string }) => k.id === keyId)?.revokedAt).toBeTruthy();
    expect((await decide(owner, rita?.n, 'keep', 'changed my mind')).statusCode).toBe(409);
    const decided = await entries('event=AccessReviewDecided&outcome=Success');
    expect(decided.map((e) => [e.details.decision, e.details.rationale, e.details.revocation]).sort()).toEqual(
      [['keep', 'project owner, reads daily', null], ['revoke', 'CI moved to keyless', 'revoked'], ['revoke', 'not used in 200 days', 'revoked']].sort(),
    );
    // The revocation is its own entry in the same request as the decision.
    const removed = (await entries('event=MemberRemoved'))[0] as AuditEntry;
    expect(removed.resource).toBe('rita@example.com');
    expect(decided.some((e) => e.requestId === removed.requestId)).toBe(true);
    const refused = await entries('event=AccessReviewDecided&outcome=Denied');
    expect(refused[0]).toMatchObject({ actor: { email: 'audra@example.com' }, reason: 'insufficient_role' });
    const list = (await t.req('GET', base, { token: auditor })).json().reviews;
    expect(list[0]).toMatchObject({ id: review.id, total: 5, decided: 3 });
  });

  it('bad input: 400/404 with clear messages, never 500', async () => {
    for (const body of [{ grant: 1, decision: 'maybe', rationale: 'x y z' }, { grant: 1, decision: 'keep', rationale: '' }, { grant: 1, decision: 'keep', rationale: 'a\u202eb c' }, { grant: 0, decision: 'keep', rationale: 'abc' }]) {
      expect((await t.req('POST', `${base}/${review.id}/decisions`, { token: owner, body })).statusCode).toBe(400);
    }
    expect((await t.req('POST', `${base}/${review.id}/decisions`, { token: owner, body: { grant: 99, decision: 'keep', rationale: 'abc' } })).statusCode).toBe(404);
    expect((await t.req('GET', `${base}/not-a-review`, { token: owner })).statusCode).toBe(400);
    expect((await t.req('GET', `${base}/01a24143-0000-7000-8000-000000000000`, { token: owner })).statusCode).toBe(404);
  });
});
