import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { ApiKeyRow } from '../store/types.js';
import { createAuthenticator, type Credentials } from './authenticator.js';
import { createReplayGuard } from './replay-guard.js';
import { sha256hex } from './tokens.js';

const KEY_ID = '0123456789abcdef';
const SECRET = 'ab'.repeat(24);
const clock = () => new Date('2026-12-04T12:00:00.000Z');
const bearer = (token: string): Credentials => ({ authorization: `Bearer ${token}`, keyId: null, timestamp: null, signature: null, method: 'GET', url: '/api/v1/x', rawBody: '', ip: '127.0.0.1' });

/**
 * A store whose apiKeys.get hands out whatever row the test holds, the same object until the test
 * replaces it (as the read cache does until a change commits), counting project and environment reads.
 */
function world() {
  const keyRow = (over: Partial<ApiKeyRow> = {}): ApiKeyRow => ({
    id: KEY_ID, projectId: 'p1', environmentId: 'e1', name: 'k', role: 'CONSUMER', secretHash: sha256hex(SECRET),
    wrappedSigningKey: Buffer.alloc(0), createdAt: '2026-01-01T00:00:00.000Z', createdBy: null, revokedAt: null, ...over,
  });
  const w = {
    row: keyRow(),
    project: { id: 'p1', slug: 'app' } as unknown,
    environment: { id: 'e1', slug: 'prod' } as unknown,
    homeReads: 0,
    keyRow,
  };
  const store = {
    apiKeys: { get: async (id: string) => (id === KEY_ID ? w.row : null) },
    projects: {
      getById: async () => (w.homeReads++, w.project),
      getEnvironmentById: async () => (w.homeReads++, w.environment),
    },
    users: {},
    issuedTokens: {},
  } as unknown as Pick<Store, 'users' | 'apiKeys' | 'projects' | 'issuedTokens'>;
  const auth = createAuthenticator({ store, keyring: new KeyRing(randomBytes(32)), clock, replay: createReplayGuard({ clock }) });
  return { w, auth };
}

describe('the principal of a Bearer API key', () => {
  it('reads the key’s project and environment once per row object, again for a new row', async () => {
    const { w, auth } = world();
    const a = await auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`));
    expect(a?.principal).toMatchObject({ kind: 'apiKey', projectSlug: 'app', environmentSlug: 'prod', actor: { type: 'ApiKey', id: KEY_ID, ip: '127.0.0.1' } });
    expect(w.homeReads).toBe(2);
    await auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`));
    expect(w.homeReads).toBe(2);
    // A change committed: the cache hands out a new row object, and the environment is read anew.
    w.row = w.keyRow();
    w.environment = { id: 'e1', slug: 'production' };
    const b = await auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`));
    expect(b?.principal).toMatchObject({ environmentSlug: 'production' });
    expect(w.homeReads).toBe(4);
  });

  it('refuses a revoked key, a wrong secret and a key whose environment is gone, remembered home or not', async () => {
    const { w, auth } = world();
    await auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`));
    await expect(auth.resolve(bearer(`bax-${KEY_ID}-${'cd'.repeat(24)}`))).rejects.toMatchObject({ extra: { reason: 'invalid_api_key' } });
    w.row = w.keyRow({ revokedAt: '2026-12-04T11:00:00.000Z' });
    await expect(auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`))).rejects.toMatchObject({ extra: { reason: 'api_key_revoked' } });
    w.row = w.keyRow();
    w.environment = null;
    await expect(auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`))).rejects.toMatchObject({ extra: { reason: 'invalid_api_key' } });
    // Not remembered while missing: once it exists again (same row object), it is found.
    w.environment = { id: 'e1', slug: 'prod' };
    await expect(auth.resolve(bearer(`bax-${KEY_ID}-${SECRET}`))).resolves.toMatchObject({ principal: { environmentSlug: 'prod' } });
  });
});
