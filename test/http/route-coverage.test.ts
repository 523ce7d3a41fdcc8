import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { routesOf } from './routes.js';

/**
 * Every route the server registers, and the test file that drives it through app.inject(). A new route
 * fails this test until it is listed here with a test that requests it.
 */
const COVERED: Readonly<Record<string, string>> = {
  'GET /healthz': 'test/http/log-export-routes.test.ts',
  'GET /readyz': 'test/http/log-export-routes.test.ts',
  'POST /api/v1/auth/login': 'test/http/auth-routes.test.ts',
  'POST /api/v1/auth/logout': 'test/http/auth-routes.test.ts',
  'GET /api/v1/auth/whoami': 'test/http/auth-routes.test.ts',
  'POST /api/v1/users': 'test/http/auth-routes.test.ts',
  'GET /api/v1/users': 'test/http/auth-routes.test.ts',
  'POST /api/v1/projects': 'test/http/project-routes.test.ts',
  'GET /api/v1/projects': 'test/http/project-routes.test.ts',
  'GET /api/v1/projects/:project': 'test/http/project-routes.test.ts',
  'POST /api/v1/projects/:project/environments': 'test/http/project-routes.test.ts',
  'GET /api/v1/projects/:project/environments': 'test/http/project-routes.test.ts',
  'PUT /api/v1/projects/:project/environments/:env/restriction': 'test/http/restriction.test.ts',
  'GET /api/v1/projects/:project/members': 'test/http/project-routes.test.ts',
  'PUT /api/v1/projects/:project/members/:email': 'test/http/project-routes.test.ts',
  'DELETE /api/v1/projects/:project/members/:email': 'test/http/project-routes.test.ts',
  'PUT /api/v1/projects/:project/environments/:env/members/:email': 'test/http/project-routes.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/members/:email': 'test/http/project-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/secrets': 'test/http/secret-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/secrets/:key': 'test/http/secret-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/secrets/manifest': 'test/http/secret-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/secrets/version': 'test/http/sdk-routes.test.ts',
  'GET /api/v1/keys/me': 'test/http/sdk-routes.test.ts',
  'PUT /api/v1/projects/:project/environments/:env/secrets/:key': 'test/http/secret-routes.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/secrets/:key': 'test/http/secret-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/secrets/:key/versions': 'test/http/secret-versions.test.ts',
  'POST /api/v1/projects/:project/environments/:env/pull': 'test/http/secret-routes.test.ts',
  'POST /api/v1/projects/:project/environments/:env/api-keys': 'test/http/api-key-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/api-keys': 'test/http/api-key-routes.test.ts',
  'DELETE /api/v1/api-keys/:id': 'test/http/api-key-routes.test.ts',
  'POST /api/v1/projects/:project/environments/:env/leases': 'test/http/leases.test.ts',
  'GET /api/v1/projects/:project/environments/:env/leases': 'test/http/leases.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/leases/:id': 'test/http/leases.test.ts',
  'POST /api/v1/projects/:project/environments/:env/leases/expire-all': 'test/http/leases.test.ts',
  'GET /api/v1/projects/:project/environments/:env/lease-policy': 'test/http/leases.test.ts',
  'PUT /api/v1/projects/:project/environments/:env/lease-policy': 'test/http/leases.test.ts',
  'POST /api/v1/projects/:project/environments/:env/trust-domains': 'test/http/trust-tokens.test.ts',
  'GET /api/v1/projects/:project/environments/:env/trust-domains': 'test/http/trust-tokens.test.ts',
  'GET /api/v1/projects/:project/environments/:env/trust-domains/:name': 'test/http/trust-tokens.test.ts',
  'PATCH /api/v1/projects/:project/environments/:env/trust-domains/:name': 'test/http/trust-tokens.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/trust-domains/:name': 'test/http/trust-tokens.test.ts',
  'POST /api/v1/token': 'test/http/trust-tokens.test.ts',
  'GET /api/v1/audit-logs': 'test/http/audit-log-routes.test.ts',
  'GET /api/v1/audit-logs/export': 'test/http/log-export-routes.test.ts',
  'GET /api/v1/audit-logs/histogram': 'src/audit/audit-histogram.test.ts',
  'GET /api/v1/audit-logs/:id/proof': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-logs/:id': 'test/http/log-search-routes.test.ts',
  'GET /api/v1/audit-logs/stream': 'test/http/log-tail.test.ts',
  'GET /api/v1/access-logs/:id': 'test/http/log-search-routes.test.ts',
  'GET /api/v1/access-logs/stream': 'test/http/log-tail.test.ts',
  'GET /api/v1/audit-log/checkpoint': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-log/public-key': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-log/checkpoints': 'test/invariants/verifiable-log.test.ts',
  'GET /api/v1/audit-log/proofs': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-log/consistency': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-log/leaves': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/audit-log/range-proof': 'test/http/integrity-routes.test.ts',
  'GET /api/v1/access-logs': 'test/http/log-export-routes.test.ts',
  'GET /api/v1/access-logs/export': 'test/http/log-export-routes.test.ts',
  'GET /api/v1/admin/retention': 'src/audit/retention.test.ts',
  'PUT /api/v1/admin/retention': 'src/audit/retention.test.ts',
  'POST /api/v1/admin/backup': 'test/http/backup-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/ssh/ca': 'test/http/ssh-routes.test.ts',
  'GET /api/v1/projects/:project/environments/:env/ssh/roles': 'test/http/ssh-routes.test.ts',
  'POST /api/v1/projects/:project/environments/:env/ssh/roles': 'test/http/ssh-routes.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/ssh/roles/:name': 'test/http/ssh-routes.test.ts',
  'POST /api/v1/projects/:project/environments/:env/ssh/sign': 'test/http/ssh-routes.test.ts',
  'POST /api/v1/providers': 'test/http/providers.test.ts',
  'GET /api/v1/providers': 'test/http/providers.test.ts',
  'GET /api/v1/providers/:name': 'test/http/providers.test.ts',
  'DELETE /api/v1/providers/:name': 'test/http/providers.test.ts',
  'PUT /api/v1/projects/:project/providers/:name': 'test/http/providers.test.ts',
  'PUT /api/v1/projects/:project/environments/:env/providers/:name': 'test/http/providers.test.ts',
  'GET /api/v1/providers/:name/check': 'test/http/providers.test.ts',
  'POST /api/v1/projects/:project/environments/:env/credential-leases': 'test/http/credential-leases.test.ts',
  'GET /api/v1/projects/:project/environments/:env/credential-leases': 'test/http/credential-leases.test.ts',
  'DELETE /api/v1/projects/:project/environments/:env/credential-leases/:id': 'test/http/credential-leases.test.ts',
  'POST /api/v1/reports': 'test/reports/reports.test.ts',
  'GET /api/v1/reports': 'test/reports/reports.test.ts',
  'POST /api/v1/reports/subject': 'test/reports/subject.test.ts',
  'POST /api/v1/admin/subjects/erase': 'test/reports/subject.test.ts',
  'POST /api/v1/projects/:project/access-reviews': 'test/reports/access-review.test.ts',
  'GET /api/v1/projects/:project/access-reviews': 'test/reports/access-review.test.ts',
  'GET /api/v1/projects/:project/access-reviews/:id': 'test/reports/access-review.test.ts',
  'POST /api/v1/projects/:project/access-reviews/:id/decisions': 'test/reports/access-review.test.ts',
  'POST /api/v1/audit-streams': 'test/streams/streams-api.test.ts',
  'GET /api/v1/audit-streams': 'test/streams/streams-api.test.ts',
  'GET /api/v1/audit-streams/:name': 'test/streams/streams-api.test.ts',
  'PATCH /api/v1/audit-streams/:name': 'test/streams/streams-api.test.ts',
  'DELETE /api/v1/audit-streams/:name': 'test/streams/streams-api.test.ts',
  'POST /api/v1/audit-streams/:name/pause': 'test/streams/streams-api.test.ts',
  'POST /api/v1/audit-streams/:name/resume': 'test/streams/streams-api.test.ts',
  'POST /api/v1/audit-streams/:name/replay': 'test/streams/streams-api.test.ts',
  'POST /api/v1/audit-streams/:name/test': 'test/streams/streams-api.test.ts',
};

for (const kind of await testStores()) {
  describe(`route coverage (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ store: kind });
    });
    afterAll(async () => t.close());

    it('every route the server registers is listed with the test file that requests it, and nothing else is', () => {
      const routes = routesOf(t.server.app.printRoutes({ commonPrefix: false }));
      expect(routes.length).toBeGreaterThan(25);
      expect(routes.filter((r) => !(r in COVERED) && !r.startsWith('GET /*') && !r.startsWith('GET /assets'))).toEqual([]);
      expect(Object.keys(COVERED).filter((r) => !routes.includes(r))).toEqual([]);
    });

    it('each listed test file exists and sends a request of that method', () => {
      for (const [route, file] of Object.entries(COVERED)) {
        const path = fileURLToPath(new URL(`../../${file}`, import.meta.url));
        expect(existsSync(path), `${route}: ${file}`).toBe(true);
        expect(readFileSync(path, 'utf8'), `${route}: ${file}`).toContain(`'${route.split(' ')[0]}'`);
      }
    });
  });
}
