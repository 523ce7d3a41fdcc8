import { BaxterClient, createBaxterClient, createBellaConfig, type SecretChange } from '@bella-baxter/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStore, testStores, type ProcessStore } from '../helpers/stores.js';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';

/**
 * The SDK signs to the whole second and sends no nonce, so one request signed twice in one second is
 * byte-identical; each test starts in a second of its own so it never meets another test's signature.
 */
const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));

/**
 * The published SDK (@bella-baxter/sdk, pinned as a dev dependency; nobody here wrote it) against a
 * real server process on each store: an application written against the SDK works unchanged.
 */
for (const kind of await testStores()) {
  describe(`the published @bella-baxter/sdk against a real server (${kind})`, () => {
    let srv: ServerProcess;
    let store: ProcessStore;
    let admin: string;
    let apiKey: string;
    let keyId: string;
    const secretsUrl = '/api/v1/projects/shop/environments/production/secrets';

    beforeAll(async () => {
      store = await processStore(kind);
      srv = await startServerProcess({ env: { ...store.env, BELLA_LOG_LEVEL: 'warn' } });
      admin = await srv.login();
      const ok = async (method: string, path: string, body?: unknown) => {
        const r = await srv.request(method, path, { token: admin, body });
        if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
        return r.json();
      };
      await ok('POST', '/api/v1/projects', { slug: 'shop', name: 'Shop' });
      await ok('POST', '/api/v1/projects/shop/environments', { slug: 'production', name: 'Production' });
      await ok('PUT', `${secretsUrl}/DATABASE_URL`, { value: 'postgres://u:sdk-pw@db/shop' });
      await ok('PUT', `${secretsUrl}/API_TOKEN`, { value: 'tok-ü-123' });
      const created = await ok('POST', '/api/v1/projects/shop/environments/production/api-keys', { name: 'checkout-svc', role: 'CONSUMER' });
      apiKey = created.key;
      keyId = created.id;
    }, 60_000);

    afterAll(async () => {
      await srv?.stop();
      if (srv) removeDataDir(srv.dataDir);
      await store?.drop();
    });

    const audit = async (query: string) => {
      const r = await srv.request('GET', `/api/v1/audit-logs?${query}`, { token: admin });
      expect(r.status, r.text).toBe(200);
      return r.json().entries as { event: string; outcome: string; reason: string | null; actor: Record<string, unknown>; resource: string | null; details: Record<string, unknown> }[];
    };

    it('discoverContext finds the key\'s project, environment and role (GET /api/v1/keys/me)', async () => {
      await nextSecond();
      const sdk = await createBaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'checkout' });
      expect(await sdk.discoverContext()).toEqual({ projectSlug: 'shop', environmentSlug: 'production', role: 'CONSUMER' });
    });

    it('getAllSecrets returns every value, end-to-end encrypted on the wire, audited as SecretsBulkPulled by the key with the app name', async () => {
      await nextSecond();
      const sdk = await createBaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'checkout' });
      const all = await sdk.getAllSecrets('shop', 'production');
      expect(all).toMatchObject({ environmentSlug: 'production', environmentName: 'Production', secrets: { DATABASE_URL: 'postgres://u:sdk-pw@db/shop', API_TOKEN: 'tok-ü-123' } });
      expect(all.version).toBe(2);
      expect(Number.isNaN(Date.parse(all.lastModified))).toBe(false);
      const [e] = await audit('event=SecretsBulkPulled&client=checkout&limit=1');
      expect(e).toMatchObject({ event: 'SecretsBulkPulled', outcome: 'Success', resource: 'production', actor: { type: 'ApiKey', id: keyId, name: 'checkout-svc', client: 'checkout' } });
      expect(e?.details).toMatchObject({ count: 2, keys: ['API_TOKEN', 'DATABASE_URL'], e2ee: true });
    });

    it('without end-to-end encryption (a client that sends no X-E2E-Public-Key) the same values come in clear, and the entry says so', async () => {
      await nextSecond();
      // The SDK always sends its key; its signing, without the header, is what an older client does.
      const sdk = new BaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'legacy-app' });
      const plain = (await (sdk as unknown as { fetchJson(p: string): Promise<unknown> }).fetchJson(secretsUrl)) as Record<string, unknown>;
      expect(plain).toMatchObject({ environmentSlug: 'production', secrets: { DATABASE_URL: 'postgres://u:sdk-pw@db/shop', API_TOKEN: 'tok-ü-123' }, version: 2 });
      const [e] = await audit('event=SecretsBulkPulled&client=legacy-app&limit=1');
      expect(e).toMatchObject({ actor: { id: keyId, client: 'legacy-app' }, details: { e2ee: false } });
    });

    it('getSecretsVersion is cheap and moves with every write; it reads no value (Access Log only)', async () => {
      await nextSecond();
      const sdk = await createBaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'poller' });
      const v1 = await sdk.getSecretsVersion('shop', 'production');
      expect(v1).toMatchObject({ environmentSlug: 'production', version: 2 });
      // The SDK signs to the second without a nonce: polling twice in one second is not a replay here.
      expect((await sdk.getSecretsVersion('shop', 'production')).version).toBe(2);
      const put = await srv.request('PUT', `${secretsUrl}/API_TOKEN`, { token: admin, body: { value: 'tok-2' } });
      expect(put.status).toBe(200);
      const v2 = await sdk.getSecretsVersion('shop', 'production');
      expect(v2.version).toBe(3);
      expect(await audit('client=poller')).toEqual([]);
      const access = await srv.request('GET', `/api/v1/access-logs?client=poller`, { token: admin });
      expect(access.json().entries.map((a: { route: string; status: number }) => [a.route, a.status])).toContainEqual([
        '/api/v1/projects/:project/environments/:env/secrets/version', 200,
      ]);
      // Two bulk reads by one SDK client in the same second (same signature, same E2E key) both work.
      const [a, b] = await Promise.all([sdk.getAllSecrets('shop', 'production'), sdk.getAllSecrets('shop', 'production')]);
      expect(a.secrets.API_TOKEN).toBe('tok-2');
      expect(b.secrets.API_TOKEN).toBe('tok-2');
    });

    it('in Bearer mode (accessToken) the SDK reads the same values with a session or an API key sent as Bearer', async () => {
      await nextSecond();
      for (const accessToken of [admin, apiKey]) {
        const sdk = await createBaxterClient({ baxterUrl: srv.url, accessToken, appClient: 'bearer-app' });
        const all = await sdk.getAllSecrets('shop', 'production');
        expect(all.secrets.DATABASE_URL).toBe('postgres://u:sdk-pw@db/shop');
      }
      const entries = await audit('event=SecretsBulkPulled&client=bearer-app');
      expect(entries.map((e) => [e.actor.type, e.details.e2ee])).toEqual([['ApiKey', true], ['User', true]]);
    });

    it("the SDK's live config (createBellaConfig) discovers its scope, loads the values, and picks up a change by polling the version", async () => {
      await nextSecond();
      const changes: SecretChange[][] = [];
      const live = await createBellaConfig({ baxterUrl: srv.url, apiKey, client: 'live-app', pollingInterval: 150, onUpdate: (c) => void changes.push(c) });
      try {
        expect(live.get('DATABASE_URL')).toBe('postgres://u:sdk-pw@db/shop');
        const before = live.getAll();
        const put = await srv.request('PUT', `${secretsUrl}/FEATURE_FLAG`, { token: admin, body: { value: 'on' } });
        expect(put.status).toBe(200);
        for (let i = 0; i < 100 && changes.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(changes).toEqual([[{ key: 'FEATURE_FLAG', oldValue: undefined, newValue: 'on' }]]);
        expect(live.getAll()).toEqual({ ...before, FEATURE_FLAG: 'on' });
      } finally {
        live.destroy();
      }
      // Two bulk reads (the load and the reload), every poll in between only in the Access Log.
      expect((await audit('client=live-app')).map((e) => [e.event, e.details.e2ee])).toEqual([['SecretsBulkPulled', true], ['SecretsBulkPulled', true]]);
      const polls = await srv.request('GET', '/api/v1/access-logs?client=live-app&limit=1000', { token: admin });
      const routes = polls.json().entries.map((a: { route: string }) => a.route.split('/').slice(-1)[0]);
      // (Its discovery call, GET /keys/me, goes out without the app name: the SDK passes `client` only to its config client.)
      expect(routes.filter((r: string) => r === 'version').length).toBeGreaterThan(0);
    });

    it('a one-byte change to an SDK-signed request is refused (401) and audited as Denied bad_signature', async () => {
      await nextSecond();
      const sdk = new BaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'tamper' });
      const h = await (sdk as unknown as { sign(m: string, p: string): Promise<Record<string, string>> }).sign('GET', secretsUrl);
      const tampered = secretsUrl.replace('production', 'productioN');
      const r = await srv.request('GET', tampered.replace('productioN', 'production') + '?x=1', { headers: h });
      expect(r.status, r.text).toBe(401);
      expect(r.text).not.toContain('sdk-pw');
      const sig = h['X-Bella-Signature'] as string;
      const flipped = { ...h, 'X-Bella-Signature': `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}` };
      const r2 = await srv.request('GET', secretsUrl, { headers: flipped });
      expect(r2.status).toBe(401);
      const denied = await audit('client=tamper&outcome=Denied');
      expect(denied.map((e) => [e.event, e.reason, e.actor.client])).toEqual([
        ['SecretsBulkPulled', 'bad_signature', 'tamper'],
        ['SecretsBulkPulled', 'bad_signature', 'tamper'],
      ]);
      // The untouched request still passes.
      expect((await srv.request('GET', secretsUrl, { headers: h })).status).toBe(200);
    });

    it('the same SDK signature with another X-E2E-Public-Key (someone replaying a captured request with their own key) is refused and audited', async () => {
      await nextSecond();
      const sdk = await createBaxterClient({ baxterUrl: srv.url, apiKey, appClient: 'replayer' });
      const h = await (sdk as unknown as { sign(m: string, p: string): Promise<Record<string, string>> }).sign('GET', secretsUrl);
      const mine = await createBaxterClient({ baxterUrl: srv.url, apiKey });
      const keyOf = (c: unknown) => (c as { e2ee: { publicKeyB64: string } }).e2ee.publicKeyB64;
      const first = await srv.request('GET', secretsUrl, { headers: { ...h, 'X-E2E-Public-Key': keyOf(sdk) } });
      expect(first.status, first.text).toBe(200);
      expect(first.json()).toMatchObject({ encrypted: true });
      expect(first.text).not.toContain('sdk-pw');
      const again = await srv.request('GET', secretsUrl, { headers: { ...h, 'X-E2E-Public-Key': keyOf(sdk) } });
      expect(again.status, 'the same key may repeat: only its holder can read the answer').toBe(200);
      const stolen = await srv.request('GET', secretsUrl, { headers: { ...h, 'X-E2E-Public-Key': keyOf(mine) } });
      expect(stolen.status).toBe(401);
      const plain = await srv.request('GET', secretsUrl, { headers: h });
      expect(plain.status).toBe(401);
      expect(plain.text + stolen.text).not.toContain('sdk-pw');
      const denied = await audit('client=replayer&outcome=Denied');
      expect(denied.map((e) => [e.event, e.reason])).toEqual([
        ['SecretsBulkPulled', 'signature_replayed'],
        ['SecretsBulkPulled', 'signature_replayed'],
      ]);
    });
  });
}
