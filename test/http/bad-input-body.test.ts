import { afterAll, beforeAll, describe, it } from 'vitest';
import { testStores } from '../helpers/harness.js';
import { OVERSIZED_BODY, badInputWorld, expectRefused, type BadInput, type BadInputWorld } from './bad-input-runner.js';

const secret = '/api/v1/projects/p/environments/prod/secrets';
const SLUG = /must be a slug: 1-63 lowercase letters, digits or hyphens/;
const CONTROL = /must not contain newlines or control characters/;

/** Bad bodies, paths and headers on the write routes. */
const CASES: readonly BadInput[] = [
  { name: 'malformed JSON creating a project', method: 'POST', url: '/api/v1/projects', raw: '{"slug": "x", ', status: 400, code: 'invalid_json', message: /the request body is not valid JSON/ },
  { name: 'malformed JSON setting a secret', method: 'PUT', url: `${secret}/NEW`, raw: "{value: 'single quotes'}", status: 400, code: 'invalid_json', message: /not valid JSON/ },
  { name: 'an empty JSON body', method: 'POST', url: '/api/v1/projects', raw: '', status: 400, code: 'validation_failed', message: /body/ },
  { name: 'a JSON array instead of an object', method: 'POST', url: '/api/v1/projects', raw: '[1,2]', status: 400, code: 'validation_failed', message: /body.*object/ },
  { name: 'a body over the 512 KiB limit', method: 'PUT', url: `${secret}/NEW`, raw: OVERSIZED_BODY, status: 413, code: 'payload_too_large', message: /larger than the 512 KiB limit/ },
  { name: 'a secret value over 64 KiB', method: 'PUT', url: `${secret}/NEW`, body: { value: 'y'.repeat(70_000) }, status: 413, code: 'payload_too_large', message: /70000 bytes; the limit is 65536 bytes \(64 KiB\)/ },
  { name: 'a secret value that is not a string', method: 'PUT', url: `${secret}/NEW`, body: { value: 42 }, status: 400, code: 'validation_failed', message: /body\.value: .*string/ },
  { name: 'an unknown body field', method: 'POST', url: '/api/v1/projects', body: { slug: 'q', name: 'Q', owner: 'me' }, status: 400, code: 'validation_failed', message: /owner/ },
  { name: 'a project slug with uppercase and underscore', method: 'POST', url: '/api/v1/projects', body: { slug: 'Bad_Slug', name: 'x' }, status: 400, code: 'validation_failed', message: SLUG },
  { name: 'a project slug of 64 characters', method: 'POST', url: '/api/v1/projects', body: { slug: 'a'.repeat(64), name: 'x' }, status: 400, code: 'validation_failed', message: SLUG },
  { name: 'a slug with a trailing hyphen', method: 'POST', url: '/api/v1/projects/p/environments', body: { slug: 'prod-', name: 'x' }, status: 400, code: 'validation_failed', message: SLUG },
  { name: 'SQL metacharacters in a path slug', method: 'GET', url: `/api/v1/projects/${encodeURIComponent("p';DROP TABLE projects;--")}/environments`, status: 400, code: 'validation_failed', message: SLUG },
  { name: 'SQL metacharacters in a body slug', method: 'POST', url: '/api/v1/projects', body: { slug: "x' OR '1'='1", name: 'x' }, status: 400, code: 'validation_failed', message: SLUG },
  { name: 'a newline in a project name', method: 'POST', url: '/api/v1/projects', body: { slug: 'q', name: 'line1\nline2' }, status: 400, code: 'validation_failed', message: CONTROL },
  { name: 'a bell character in an environment name', method: 'POST', url: '/api/v1/projects/p/environments', body: { slug: 'staging', name: 'stag\u0007ing' }, status: 400, code: 'validation_failed', message: CONTROL },
  { name: 'a carriage return in a user name', method: 'POST', url: '/api/v1/users', body: { email: 'z@example.com', name: 'Z\r\nX-Injected: 1', password: 'long-enough-pw' }, status: 400, code: 'validation_failed', message: CONTROL },
  { name: 'a newline in an API key name', method: 'POST', url: '/api/v1/projects/p/environments/prod/api-keys', body: { name: 'ci\nfake log line', role: 'CONSUMER' }, status: 400, code: 'validation_failed', message: CONTROL },
  { name: 'an empty project name', method: 'POST', url: '/api/v1/projects', body: { slug: 'q', name: '   ' }, status: 400, code: 'validation_failed', message: /must not be empty/ },
  { name: 'a secret key starting with a digit', method: 'PUT', url: `${secret}/1BAD`, body: { value: 'v' }, status: 400, code: 'validation_failed', message: /must be a secret key/ },
  { name: 'a secret key with a space', method: 'GET', url: `${secret}/HAS%20SPACE`, status: 400, code: 'validation_failed', message: /must be a secret key/ },
  { name: 'a bad email creating a user', method: 'POST', url: '/api/v1/users', body: { email: 'not-an-email', name: 'N', password: 'long-enough-pw' }, status: 400, code: 'validation_failed', message: /body\.email: must be an email address/ },
  { name: 'a short password creating a user', method: 'POST', url: '/api/v1/users', body: { email: 'n@example.com', name: 'N', password: 'short' }, status: 400, code: 'validation_failed', message: /must be at least 12 characters/ },
  { name: 'a bad email logging in', method: 'POST', url: '/api/v1/auth/login', body: { email: 'admin', password: 'x' }, as: 'none', status: 400, code: 'validation_failed', message: /must be an email address/ },
  { name: 'a bad email in a member path', method: 'PUT', url: '/api/v1/projects/p/members/bob%40', body: { role: 'MEMBER' }, status: 400, code: 'validation_failed', message: /must be an email address/ },
  { name: 'an unknown project role', method: 'PUT', url: '/api/v1/projects/p/members/bob@example.com', body: { role: 'SUPERUSER' }, status: 400, code: 'validation_failed', message: /must be one of OWNER, PROJECT_MANAGER, MEMBER, CONSUMER, AUDITOR/ },
  { name: 'a project role on an environment member', method: 'PUT', url: '/api/v1/projects/p/environments/prod/members/bob@example.com', body: { role: 'OWNER' }, status: 400, code: 'validation_failed', message: /must be one of ENVIRONMENT_OWNER, MEMBER, CONSUMER/ },
  { name: 'a lowercase role', method: 'PUT', url: '/api/v1/projects/p/members/bob@example.com', body: { role: 'member' }, status: 400, code: 'validation_failed', message: /must be one of/ },
  { name: 'an API key role that does not exist', method: 'POST', url: '/api/v1/projects/p/environments/prod/api-keys', body: { name: 'k', role: 'ADMIN' }, status: 400, code: 'validation_failed', message: /must be one of MEMBER, CONSUMER, AUDITOR/ },
  { name: 'a malformed API key id', method: 'DELETE', url: '/api/v1/api-keys/xyz', status: 400, code: 'validation_failed', message: /must be an API key id: 16 hex characters/ },
  { name: 'SQL metacharacters as an API key id', method: 'DELETE', url: `/api/v1/api-keys/${encodeURIComponent("1' OR '1'='1")}`, status: 400, code: 'validation_failed', message: /16 hex characters/ },
  { name: 'a text/plain body', method: 'PUT', url: `${secret}/NEW`, raw: 'just text', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type', message: /application\/json/ },
  { name: 'an XML body', method: 'POST', url: '/api/v1/projects', raw: '<project/>', headers: { 'content-type': 'application/xml' }, status: 415, code: 'unsupported_media_type', message: /Content-Type: application\/json/ },
  { name: 'a malformed Authorization header', method: 'PUT', url: `${secret}/NEW`, body: { value: 'v' }, as: 'none', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, status: 401, code: 'unauthenticated', message: /must be "Bearer <session token or API key>"/, denied: 'malformed_authorization' },
  { name: 'a malformed signed-request header set', method: 'GET', url: `${secret}`, as: 'none', headers: { 'x-bella-key-id': 'nothex', 'x-bella-timestamp': 'now', 'x-bella-signature': 'x' }, status: 401, code: 'unauthenticated', message: /X-Bella-Key-Id \(16 hex\)/, denied: 'malformed_signature' },
];

for (const kind of await testStores()) {
  describe(`bad bodies, paths and headers (${kind})`, () => {
    let w: BadInputWorld;
    beforeAll(async () => {
      w = await badInputWorld(kind);
    });
    afterAll(async () => w.t.close());

    it.each(CASES.map((c) => [c.name, c] as const))('%s is refused with a clear 4xx, writes nothing, and is in the Access Log', async (_n, c) => {
      await expectRefused(w, c);
    });
  });
}
