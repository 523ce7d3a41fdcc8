import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { AuditEntry } from '../../src/contract/entries.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { githubClaims, startJoseIssuer, startRealProvider, subNew, subOld, type JoseIssuer, type RealProvider } from '../helpers/oidc.js';
import { accessFor, oneAudit, rid, seedProject } from './helpers.js';

const env = '/api/v1/projects/tp/environments/prod';
const gh = githubClaims();
const evil = githubClaims({ owner: 'evil', ownerId: '666', repoId: '999' });
const OLD = subOld(gh);
const NEW = subNew(gh);
const EVIL = subOld(evil);

for (const kind of await testStores()) {
  describe(`keyless OIDC trust tokens (${kind})`, () => {
    let t: TestServer;
    let owner: string;
    let consumer: string;
    let real: RealProvider;
    let jose: JoseIssuer;
    let offset = 0;
    beforeAll(async () => {
      real = await startRealProvider({ [OLD]: gh, [NEW]: gh, [EVIL]: evil }, (r) => (r === 'urn:bella-baxter' ? 'bella-baxter' : 'some-other-api'));
      jose = await startJoseIssuer();
      t = await startTestServer({ store: kind, clock: () => new Date(Date.now() + offset), env: { BELLA_OIDC_JWKS_COOLDOWN_SECONDS: '1' } });
      owner = await t.user('owner@example.com', 'Owner');
      consumer = await t.user('consumer@example.com', 'Consumer');
      await seedProject(t, owner, 'tp', ['prod', 'dev']);
      await t.req('PUT', '/api/v1/projects/tp/members/consumer@example.com', { token: owner, body: { role: 'CONSUMER' } });
      await t.req('PUT', `${env}/secrets/DEPLOY_KEY`, { token: owner, body: { value: 'trust-marker-value' } });
      const mk = async (body: unknown) => {
        const r = await t.req('POST', `${env}/trust-domains`, { token: owner, body });
        if (r.statusCode !== 201) throw new Error(r.body);
      };
      // The robust form: rules on the numeric ids, which survive renames and both sub shapes.
      await mk({ name: 'github', oidcIssuerUrl: real.issuer, claimRules: [{ claim: 'repository_owner_id', operator: 'Equals', value: '1001' }, { claim: 'repository_id', operator: 'Equals', value: ['2002', '2003'] }] });
      await mk({
        name: 'lab', oidcIssuerUrl: jose.issuer, issuedTokenTtlMinutes: 1, grantedRole: 'MEMBER',
        claimRules: [{ claim: 'sub', operator: 'Glob', value: 'repo:acme*/api*:ref:refs/heads/*' }, { claim: '/org/team', operator: 'Equals', value: ['ops', 'sre'] }],
      });
    });
    afterAll(async () => {
      await t.close();
      await real.close();
      await jose.close();
    });

    const exchange = async (oidcToken: string, id = rid('xchg'), projectSlug = 'tp', environmentSlug = 'prod') =>
      t.req('POST', '/api/v1/token', { body: { oidcToken, projectSlug, environmentSlug }, headers: { 'x-request-id': id } });
    /** A refusal: its status, code and reason, and the TrustTokenRejected entry it left. */
    const refused = async (oidcToken: string, status: number, reason: string, claim?: string): Promise<AuditEntry> => {
      const id = rid(`refuse-${reason}`);
      const r = await exchange(oidcToken, id);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.json().error.details).toEqual({ reason, ...(claim ? { claim } : {}) });
      const e = await oneAudit(t, id);
      expect(e).toMatchObject({ event: 'TrustTokenRejected', outcome: 'Denied', reason, actor: { type: 'TrustToken' }, projectSlug: 'tp', environmentSlug: 'prod' });
      if (claim) expect(e.details.claim).toBe(claim);
      return e;
    };
    const labClaims = { sub: 'repo:acme/api:ref:refs/heads/main', org: { team: 'ops' } };

    it('a real provider\'s token with either GitHub sub shape is exchanged; TrustTokenIssued keeps the forensic claims', async () => {
      for (const sub of [OLD, NEW]) {
        const id = rid('ok');
        const r = await exchange(await real.token(sub), id);
        expect(r.statusCode, r.body).toBe(200);
        const body = r.json();
        expect(body).toMatchObject({ token: expect.stringMatching(/^bax-trust-[0-9a-f]{16}-[0-9a-f]{48}$/), trustDomain: 'github', role: 'CONSUMER', projectSlug: 'tp', environmentSlug: 'prod' });
        const e = await oneAudit(t, id);
        expect(e).toMatchObject({
          event: 'TrustTokenIssued', outcome: 'Success', resource: 'github', actor: { type: 'TrustToken', id: sub, name: 'github' },
          details: { issuer: real.issuer, subject: sub, trustDomain: 'github', expiresAt: body.expiresAt, claims: { repository: 'acme/api', repository_id: '2002', repository_owner_id: '1001', ref: 'refs/heads/main', sha: gh.sha, job_workflow_ref: gh.job_workflow_ref, run_id: '9876543210', run_attempt: '1', environment: 'production' } },
        });
        expect(JSON.stringify(e)).not.toContain(body.token.slice(27));
        const read = rid('trust-read');
        const s = await t.req('GET', `${env}/secrets/DEPLOY_KEY`, { token: body.token, headers: { 'x-request-id': read } });
        expect(s.statusCode).toBe(200);
        expect(s.json().value).toBe('trust-marker-value');
        expect(await oneAudit(t, read)).toMatchObject({ event: 'SecretRead', actor: { type: 'TrustToken', id: sub, name: 'github' } });
        expect((await accessFor(t, read))[0]?.actor).toMatchObject({ type: 'TrustToken', name: 'github' });
      }
    });

    it('a token whose claims break a rule, of another audience, or replayed is refused and recorded', async () => {
      await refused(await real.token(EVIL), 403, 'claim_rule_not_accepted', 'repository_owner_id');
      await refused(await real.token(OLD, 'urn:other'), 401, 'token_audience_mismatch', 'aud');
      const once = await real.token(OLD);
      expect((await exchange(once)).statusCode).toBe(200);
      const e = await refused(once, 401, 'token_replayed');
      expect(e.details).toMatchObject({ subject: OLD, subjectVerified: true });
    });

    it('a trust token is scoped to its environment and role, and refused one second after it expires', async () => {
      const r = await exchange(await jose.sign(labClaims));
      expect(r.statusCode, r.body).toBe(200);
      const { token, expiresAt } = r.json();
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(55_000);
      const issued = (await t.server.store.auditLog.query({ events: ['TrustTokenIssued'] }, 1))[0];
      expect(issued?.details.claims).toMatchObject({ sub: labClaims.sub, '/org/team': 'ops' });
      expect((await t.req('PUT', `${env}/secrets/FROM_CI`, { token, body: { value: 'x' } })).statusCode).toBe(200); // MEMBER
      const other = rid('trust-other-env');
      expect((await t.req('GET', '/api/v1/projects/tp/environments/dev/secrets', { token, headers: { 'x-request-id': other } })).statusCode).toBe(403);
      expect(await oneAudit(t, other)).toMatchObject({ event: 'SecretsBulkPulled', reason: 'trust_token_scope' });
      expect((await t.req('GET', `${env}/api-keys`, { token })).statusCode).toBe(403);
      offset = Date.parse(expiresAt) - Date.now() - 1000;
      expect((await t.req('GET', `${env}/secrets/DEPLOY_KEY`, { token })).statusCode).toBe(200);
      offset = Date.parse(expiresAt) - Date.now() + 1000;
      const late = rid('trust-late');
      const l = await t.req('GET', `${env}/secrets/DEPLOY_KEY`, { token, headers: { 'x-request-id': late } });
      offset = 0;
      expect(l.statusCode).toBe(401);
      expect(await oneAudit(t, late)).toMatchObject({ event: 'SecretRead', outcome: 'Denied', reason: 'trust_token_expired', actor: { type: 'TrustToken', name: 'lab' } });
    });

    it('forgeries are refused: another key, alg none, HS256 keyed with the public key, not a JWT', async () => {
      const { generateKeyPair } = await import('jose');
      const stranger = (await generateKeyPair('ES256')).privateKey;
      const forged = await refused(await jose.sign(labClaims, { key: stranger }), 401, 'signature_invalid');
      expect(forged.actor.id).toBeNull();
      expect(forged.details).toMatchObject({ subject: labClaims.sub, subjectVerified: false });
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: jose.issuer, aud: 'bella-baxter', iat: now, exp: now + 60, jti: 'n1', ...labClaims })}.`, 401, 'algorithm_not_allowed');
      const hs = await new SignJWT({ iss: jose.issuer, aud: 'bella-baxter', jti: 'h1', ...labClaims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(await jose.publicPem()));
      await refused(hs, 401, 'algorithm_not_allowed');
      const id = rid('not-jwt');
      const r = await exchange('not.a-jwt', id);
      expect(r.statusCode).toBe(422);
      expect(r.json().error).toMatchObject({ code: 'not_a_jwt', details: { reason: 'not_a_jwt' } });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'TrustTokenRejected', reason: 'not_a_jwt' });
    });

    it('times, issuer and claims: expired, not yet valid, wrong issuer, missing sub or jti', async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(await jose.sign({ ...labClaims, iat: now - 600, exp: now - 120 }), 401, 'token_expired', 'exp');
      expect((await exchange(await jose.sign({ ...labClaims, iat: now - 600, exp: now - 30 }))).statusCode).toBe(200); // within the 60 s skew
      await refused(await jose.sign({ ...labClaims, nbf: now + 120 }), 401, 'token_not_yet_valid', 'nbf');
      await refused(await jose.sign({ ...labClaims, iat: now + 120 }), 401, 'token_not_yet_valid', 'iat');
      await refused(await jose.sign({ ...labClaims, iss: 'http://127.0.0.1:9/not-trusted' }), 401, 'no_matching_trust_domain');
      await refused(await jose.sign({ ...labClaims, jti: undefined }), 401, 'token_claim_missing', 'jti');
      await refused(await jose.sign({ ...labClaims, iat: now, exp: now + 2 * 86400 }), 401, 'token_lifetime_too_long', 'exp');
      await refused(await jose.sign({ org: { team: 'ops' } }), 401, 'token_claim_missing', 'sub');
      await refused(await jose.sign({ ...labClaims, org: { team: 'dev' } }), 403, 'claim_rule_not_accepted', '/org/team');
      const wrongEnv = rid('wrong-env');
      expect((await exchange(await jose.sign(labClaims), wrongEnv, 'tp', 'dev')).statusCode).toBe(401);
      expect(await oneAudit(t, wrongEnv)).toMatchObject({ reason: 'no_matching_trust_domain', environmentSlug: 'dev' });
    });

    it('the same token exchanged concurrently is accepted exactly once; a hostile subject is stored without control characters', async () => {
      const token = await jose.sign({ ...labClaims, sub: 'repo:acme/api:ref:refs/heads/race' });
      const answers = await Promise.all(Array.from({ length: 6 }, () => exchange(token)));
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401, 401, 401]);
      const nasty = 'repo:acme/api:ref:refs/heads/x\u202e\nEVIL';
      const id = rid('nasty');
      await exchange(await jose.sign({ ...labClaims, sub: nasty, org: { team: 'nope' } }), id);
      const e = await oneAudit(t, id);
      expect(e.reason).toBe('claim_rule_not_accepted');
      expect(e.actor.id).toBe('repo:acme/api:ref:refs/heads/x\ufffd\ufffdEVIL');
      const huge = await exchange('a'.repeat(20_000));
      expect(huge.statusCode).toBe(400);
      expect(huge.json().error.message).toContain('at most 16384');
    });

    it('key rotation: an unknown kid makes one refetch of the JWKS, not one per token', async () => {
      expect((await exchange(await jose.sign(labClaims))).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 1100)); // past the 1 s cooldown of this server
      await jose.rotate(true);
      const before = jose.jwksFetches();
      expect((await exchange(await jose.sign(labClaims))).statusCode).toBe(200);
      expect(jose.jwksFetches()).toBe(before + 1);
      for (let i = 0; i < 3; i++) await refused(await jose.sign(labClaims, { kid: `unknown-${i}` }), 401, 'signature_invalid');
      expect(jose.jwksFetches()).toBeLessThanOrEqual(before + 2);
    });

    it('an issuer that cannot be reached is a 502 issuer_unreachable, recorded', async () => {
      const down = await startJoseIssuer();
      try {
        const r = await t.req('POST', `${env}/trust-domains`, { token: owner, body: { name: 'down', oidcIssuerUrl: down.issuer, claimRules: [{ claim: 'sub', value: 'x' }] } });
        expect(r.statusCode, r.body).toBe(201);
        down.setDown(true);
        await refused(await down.sign({ sub: 'x' }), 502, 'issuer_unreachable');
      } finally {
        await down.close();
      }
    });

    it('more than 10 exchanges a minute for one issuer and subject answer 429 with Retry-After, recorded', async () => {
      const claims = { sub: 'repo:acme/api:ref:refs/heads/rate', org: { team: 'sre' } };
      for (let i = 0; i < 10; i++) expect((await exchange(await jose.sign(claims))).statusCode).toBe(200);
      const id = rid('rate');
      const r = await exchange(await jose.sign(claims), id);
      expect(r.statusCode).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.json().error).toMatchObject({ code: 'too_many_exchanges', details: { reason: 'exchange_rate_limited' } });
      expect(await oneAudit(t, id)).toMatchObject({ event: 'TrustTokenRejected', reason: 'exchange_rate_limited', actor: { id: claims.sub } });
      expect((await exchange(await jose.sign({ ...claims, sub: 'repo:acme/api:ref:refs/heads/other' }))).statusCode).toBe(200);
    });

    it('trust domains: rules required, https required off loopback, changes audited, a consumer refused, delete revokes its tokens', async () => {
      const base = { name: 'x1', oidcIssuerUrl: 'https://token.actions.githubusercontent.com' };
      const noRules = await t.req('POST', `${env}/trust-domains`, { token: owner, body: { ...base, claimRules: [] } });
      expect(noRules.statusCode).toBe(400);
      expect(noRules.json().error.message).toContain('at least one claim rule');
      const http = await t.req('POST', `${env}/trust-domains`, { token: owner, body: { ...base, oidcIssuerUrl: 'http://example.com', claimRules: [{ claim: 'sub', value: 'x' }] } });
      expect(http.statusCode).toBe(400);
      expect(http.json().error.message).toContain('https');
      for (const bad of [{ claim: 'sub', operator: 'Regex', value: 'x' }, { claim: 'a\nb', value: 'x' }, { claim: '/bad~2', value: 'x' }, { claim: 'sub', value: [] }]) {
        expect((await t.req('POST', `${env}/trust-domains`, { token: owner, body: { ...base, claimRules: [bad] } })).statusCode, JSON.stringify(bad)).toBe(400);
      }
      const c = rid('td-create');
      const r = await t.req('POST', `${env}/trust-domains`, { token: owner, body: { ...base, claimRules: [{ claim: 'repository_id', value: '2002' }] }, headers: { 'x-request-id': c } });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ acceptedAudiences: ['bella-baxter'], issuedTokenTtlMinutes: 15, grantedRole: 'CONSUMER' });
      expect(await oneAudit(t, c)).toMatchObject({ event: 'TrustDomainCreated', resource: 'x1', actor: { email: 'owner@example.com' } });
      expect((await t.req('POST', `${env}/trust-domains`, { token: owner, body: { ...base, claimRules: [{ claim: 'sub', value: 'x' }] } })).statusCode).toBe(409);
      const u = rid('td-update');
      const up = await t.req('PATCH', `${env}/trust-domains/x1`, { token: owner, body: { issuedTokenTtlMinutes: 30 }, headers: { 'x-request-id': u } });
      expect(up.statusCode, up.body).toBe(200);
      expect(await oneAudit(t, u)).toMatchObject({ event: 'TrustDomainUpdated', details: { changed: ['issuedTokenTtlMinutes'], before: { issuedTokenTtlMinutes: 15 }, after: { issuedTokenTtlMinutes: 30 } } });
      expect((await t.req('GET', `${env}/trust-domains/x1`, { token: owner })).json().issuedTokenTtlMinutes).toBe(30);
      expect((await t.req('GET', `${env}/trust-domains`, { token: owner })).json().trustDomains.map((d: { name: string }) => d.name)).toContain('x1');
      const denied = rid('td-consumer');
      expect((await t.req('POST', `${env}/trust-domains`, { token: consumer, body: { ...base, name: 'x2', claimRules: [{ claim: 'sub', value: 'x' }] }, headers: { 'x-request-id': denied } })).statusCode).toBe(403);
      expect(await oneAudit(t, denied)).toMatchObject({ event: 'TrustDomainCreated', outcome: 'Denied', reason: 'insufficient_role', resource: 'x2' });

      const issued = (await exchange(await jose.sign({ ...labClaims, sub: 'repo:acme/api:ref:refs/heads/del' }))).json().token as string;
      expect((await t.req('GET', `${env}/secrets`, { token: issued })).statusCode).toBe(200);
      const d = rid('td-delete');
      expect((await t.req('DELETE', `${env}/trust-domains/lab`, { token: owner, headers: { 'x-request-id': d } })).statusCode).toBe(204);
      expect(await oneAudit(t, d)).toMatchObject({ event: 'TrustDomainDeleted', resource: 'lab', details: { trustTokensRevoked: expect.any(Number) } });
      expect((await t.req('GET', `${env}/secrets`, { token: issued })).statusCode).toBe(401);
      expect((await t.req('GET', `${env}/trust-domains/lab`, { token: owner })).statusCode).toBe(404);
    });
  });
}
