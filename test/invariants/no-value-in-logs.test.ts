import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROCESS_ADMIN, removeDataDir, startServerProcess, type HttpResult, type ServerProcess } from '../helpers/process.js';
import { createTestDatabase, queryDatabase } from '../helpers/pg.js';
import { processStore, testStores, type ProcessStore } from '../helpers/stores.js';
import { newE2EKeyPair, type E2EPayload } from '../../src/contract/e2ee.js';
import { findMarker, newMarker, searchDatabase, searchDir, type Hit } from './leak-search.js';
import { startHecReceiver, until, type HecReceiver } from '../helpers/siem-receivers.js';

/**
 * Invariant 1 against a real server process: a marker secret value goes through every operation and
 * into places it does not belong; afterwards no persisted or printed byte contains it in any encoding.
 * Persisted means the SQLite files of the data dir, or on PostgreSQL every row of every table as the
 * database returns it (plus the node's data dir, which holds only its master key there).
 */
for (const kind of await testStores()) {
  describe(`never a value in a log (${kind})`, () => {
    const marker = newMarker();
    const updated = `v2-${marker}-v2`;
    const base = '/api/v1/projects/leak/environments/prod';
    let srv: ServerProcess;
    let dataDir = '';
    let store: ProcessStore | undefined;
    let hec: HecReceiver | undefined;
    const logResponses: { where: string; body: Buffer }[] = [];

    afterAll(async () => {
      await hec?.close();
      await srv?.stop();
      if (dataDir) removeDataDir(dataDir);
      await store?.drop();
    });

    /** Every persisted byte searched: the data dir (master key aside) and, on PostgreSQL, every table. */
    const persistedHits = async (): Promise<Hit[]> => {
      const hits = searchDir(dataDir, marker, ['master.key']).hits;
      if (store?.database) hits.push(...(await searchDatabase(store.database.url, marker)).hits);
      return hits;
    };

    const ok = (r: HttpResult, status: number) => {
      expect(r.status, r.text.slice(0, 300)).toBe(status);
      return r;
    };

    it('the marker search finds the marker where it is meant to be (positive control)', () => {
      const blob = Buffer.concat([Buffer.from('xy'), Buffer.from(marker), Buffer.from('z')]);
      expect(findMarker('b64', Buffer.from(blob.toString('base64')), marker).length).toBeGreaterThan(0);
      expect(findMarker('hex', Buffer.from(blob.toString('hex')), marker).length).toBeGreaterThan(0);
      expect(findMarker('none', Buffer.from('nothing here'), marker)).toEqual([]);
    });

    if (kind === 'postgres') {
      it('the table search finds a marker in a text column and in a bytea column of any table (positive control)', async () => {
        const scratch = await createTestDatabase();
        try {
          await queryDatabase(scratch.url, 'CREATE TABLE scratch_plain (v TEXT)');
          await queryDatabase(scratch.url, 'CREATE TABLE scratch_bytes (id INT, b BYTEA)');
          await queryDatabase(scratch.url, 'INSERT INTO scratch_plain VALUES ($1)', [`x ${marker} y`]);
          await queryDatabase(scratch.url, 'INSERT INTO scratch_bytes VALUES (1, $1)', [Buffer.from(`xy${marker}z`)]);
          const found = await searchDatabase(scratch.url, marker);
          expect(found.seen).toEqual({ scratch_bytes: 1, scratch_plain: 1 });
          expect(found.hits).toEqual([expect.objectContaining({ where: 'table scratch_bytes', form: 'hex' }), expect.objectContaining({ where: 'table scratch_plain', form: 'plain' })]);
        } finally {
          await scratch.drop();
        }
      });
    }

    it('a marker secret set, read, pulled, updated, listed and exported, and sent where it does not belong, is in no log, file, export or output', async () => {
      store = await processStore(kind);
      srv = await startServerProcess({ env: { BELLA_LOG_LEVEL: 'debug', ...store.env } });
      dataDir = srv.dataDir;
      const token = await srv.login();
      const rq = (m: string, p: string, o: Parameters<ServerProcess['request']>[2] = {}) => srv.request(m, p, { token, ...o });

      ok(await rq('POST', '/api/v1/projects', { body: { slug: 'leak', name: 'Leak' } }), 201);
      ok(await rq('POST', '/api/v1/projects/leak/environments', { body: { slug: 'prod', name: 'Prod' } }), 201);
      ok(await rq('PUT', `${base}/secrets/DB_PASSWORD`, { body: { value: marker } }), 200);
      const read = ok(await rq('GET', `${base}/secrets/DB_PASSWORD`), 200);
      expect(read.json().value).toBe(marker);
      expect(findMarker('read', read.bytes, marker).length).toBeGreaterThan(0);
      expect(ok(await rq('POST', `${base}/pull`), 200).json().secrets.DB_PASSWORD).toBe(marker);
      ok(await rq('PUT', `${base}/secrets/DB_PASSWORD`, { body: { value: updated } }), 200);
      ok(await rq('PUT', `${base}/secrets/OTHER`, { body: { value: `other-${marker}` } }), 200);
      ok(await rq('GET', `${base}/secrets/manifest`), 200);
      expect(ok(await rq('GET', `${base}/secrets`), 200).json().secrets.DB_PASSWORD).toBe(updated);
      // End-to-end encrypted answers (X-E2E-Public-Key): the value is in no byte on the wire, nor in any log.
      const pair = newE2EKeyPair();
      const e2e = { 'x-e2e-public-key': pair.publicKeyB64, 'x-app-client': 'leak-app' };
      for (const [m, p] of [['GET', `${base}/secrets`], ['GET', `${base}/secrets/DB_PASSWORD`], ['POST', `${base}/pull`]] as const) {
        const r = ok(await rq(m, p, { headers: e2e }), 200);
        expect(findMarker(`${m} ${p} e2ee`, r.bytes, marker)).toEqual([]);
        expect(JSON.stringify(pair.decrypt(r.json() as E2EPayload))).toContain(updated);
      }
      ok(await rq('GET', `${base}/secrets`, { headers: { 'x-e2e-public-key': Buffer.from(marker).toString('base64') } }), 400);
      const key = ok(await rq('POST', `${base}/api-keys`, { body: { name: 'ci', role: 'CONSUMER' } }), 201).json().key as string;
      expect(ok(await srv.request('GET', `${base}/secrets/DB_PASSWORD`, { token: key }), 200).json().value).toBe(updated);
      ok(await srv.request('POST', `${base}/pull`, { token: key }), 200);

      // Where the marker does not belong: query values, bad bodies, an oversized body, headers, a password.
      const q = encodeURIComponent(marker);
      ok(await rq('GET', `${base}/secrets/DB_PASSWORD?value=${q}&token=${q}&password=${q}`), 200);
      ok(await rq('GET', `/api/v1/projects?secret=${q}`), 200);
      expect((await rq('GET', `/api/v1/audit-logs?value=${q}`)).status).toBe(400);
      expect((await rq('GET', `/api/v1/audit-logs?since=${q}&event=${q}&actorType=${q}`)).status).toBe(400);
      expect((await rq('GET', `/api/v1/access-logs/export?until=${q}&format=${q}`)).status).toBe(400);
      ok(await rq('GET', `/api/v1/no/such/route?x=${q}`), 404);
      ok(await rq('PUT', `${base}/secrets/K1`, { raw: `{"value": "${marker}", "extra": "${marker}"}` }), 400);
      ok(await rq('PUT', `${base}/secrets/K2`, { raw: `{"value": "${marker}` }), 400);
      ok(await rq('PUT', `${base}/secrets/K3`, { body: { value: 42, note: marker } }), 400);
      ok(await rq('PUT', `${base}/secrets/K4`, { raw: `{"value": "${marker}${'x'.repeat(600 * 1024)}"}` }), 413);
      ok(await rq('PUT', `${base}/secrets/K5`, { body: { value: `${marker}${'y'.repeat(70 * 1024)}` } }), 413);
      ok(await rq('PUT', `${base}/secrets/K6`, { raw: marker, headers: { 'content-type': 'text/plain' } }), 415);
      ok(await srv.request('GET', `${base}/secrets/DB_PASSWORD`, { token: marker }), 401);
      ok(await srv.request('GET', `${base}/secrets/DB_PASSWORD`, { headers: { authorization: `Basic ${marker}`, 'x-api-secret': marker, cookie: `s=${marker}` } }), 401);
      ok(await srv.request('POST', '/api/v1/auth/login', { body: { email: PROCESS_ADMIN.email, password: marker } }), 401);
      ok(await rq('POST', '/api/v1/users', { body: { email: 'pw@example.com', name: 'Pw', password: marker } }), 201);
      ok(await srv.request('POST', '/api/v1/auth/login', { body: { email: 'pw@example.com', password: marker } }), 200);

      // Audit streams: credentials holding the marker (encrypted at rest, never returned, never in an
      // error, an audit entry or a delivered event); a refused token leaves the sink's answer, not the token.
      hec = await startHecReceiver({ token: `tok-${marker}` });
      ok(await rq('POST', '/api/v1/audit-streams', { body: { name: 'leak-splunk', sink: { type: 'splunk', url: hec.url, token: `tok-${marker}` } } }), 201);
      ok(await rq('POST', '/api/v1/audit-streams', { body: { name: 'leak-refused', sink: { type: 'splunk', url: hec.url, token: `bad-${marker}` } } }), 201);
      ok(await rq('POST', '/api/v1/audit-streams', { body: { name: 'leak-hook', sink: { type: 'webhook', url: 'https://hooks.example.com/x', secret: `hook-${marker}` } } }), 201);
      ok(await rq('PATCH', '/api/v1/audit-streams/leak-hook', { body: { sink: { secret: `hook2-${marker}` } } }), 200);
      ok(await rq('POST', '/api/v1/audit-streams', { body: { name: 'leak-bad', sink: { type: 'splunk', url: 'http://example.com', token: marker, colour: marker } } }), 400);
      ok(await rq('POST', '/api/v1/audit-streams', { body: { name: 'leak-dd', sink: { type: 'datadog', apiKey: marker, site: marker } } }), 400);
      ok(await rq('PUT', `${base}/secrets/STREAMED`, { body: { value: `streamed-${marker}` } }), 200);
      ok(await rq('GET', `${base}/secrets/STREAMED`), 200);
      const through = (await rq('GET', '/api/v1/audit-logs?limit=1')).json().entries[0].seq as number;
      await until('the stream delivered through the last entry', async () => hec?.events.some((e) => (e.event as { seq: number }).seq >= through) ?? false);
      await until('the refused stream is failing', async () => (await rq('GET', '/api/v1/audit-streams/leak-refused')).json().health.state === 'failing');
      logResponses.push({ where: 'streams delivered to the HEC receiver', body: Buffer.from(JSON.stringify(hec.events)) });
      logResponses.push({ where: 'stream list', body: ok(await rq('GET', '/api/v1/audit-streams'), 200).bytes });
      for (const n of ['leak-splunk', 'leak-refused', 'leak-hook']) logResponses.push({ where: `stream ${n}`, body: ok(await rq('GET', `/api/v1/audit-streams/${n}`), 200).bytes });
      logResponses.push({ where: 'readyz', body: (await srv.request('GET', '/readyz')).bytes });
      expect(hec.events.length).toBeGreaterThan(5);

      // Every export and every page of both logs, as the API serves them.
      for (const log of ['audit-logs', 'access-logs']) {
        for (const format of ['json', 'ndjson', 'csv']) {
          for (const neutralize of ['true', 'false']) {
            const r = ok(await rq('GET', `/api/v1/${log}/export?format=${format}&neutralize=${neutralize}`), 200);
            expect(r.bytes.length).toBeGreaterThan(100);
            logResponses.push({ where: `${log} export ${format} neutralize=${neutralize}`, body: r.bytes });
          }
        }
        let cursor: string | null = null;
        do {
          const r = ok(await rq('GET', `/api/v1/${log}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 200);
          logResponses.push({ where: `${log} page`, body: r.bytes });
          cursor = r.json().nextCursor;
        } while (cursor);
      }
      const hits: Hit[] = logResponses.flatMap((x) => findMarker(x.where, x.body, marker));
      expect(hits).toEqual([]);
      // The logs did record the operations (so the search above looked at something real).
      const events = logResponses.filter((x) => x.where === 'audit-logs page').map((x) => x.body.toString()).join('');
      for (const e of ['SecretCreated', 'SecretRead', 'SecretUpdated', 'SecretsBulkPulled', 'AuditLogExported', 'UserLoginFailed', 'AuditStreamCreated', 'AuditStreamUpdated', 'AuditStreamFailing']) expect(events).toContain(e);

      if (kind === 'sqlite') {
        // The data directory while the server runs (database, WAL, shared memory), the master key aside.
        const live = searchDir(dataDir, marker, ['master.key']);
        expect(live.seen).toEqual(expect.arrayContaining(['bella.db', 'bella.db-wal']));
        expect(live.hits).toEqual([]);

        // After a checkpoint moved the WAL into the main file.
        const db = new Database(join(dataDir, 'bella.db'));
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
        expect(searchDir(dataDir, marker, ['master.key']).hits).toEqual([]);
      } else {
        // Every row of every table while the server runs, as PostgreSQL returns it.
        const live = await searchDatabase((store.database as { url: string }).url, marker);
        const rowsOf = (prefix: string) => Object.entries(live.seen).filter(([t]) => t.startsWith(prefix)).reduce((n, [, c]) => n + c, 0);
        for (const table of ['audit_log', 'access_log', 'secrets', 'secret_versions', 'users', 'sessions', 'api_keys']) expect(rowsOf(table), table).toBeGreaterThan(0);
        // The rows were read as text: what the logs recorded is in them (so the search looked at something real).
        const text = Buffer.concat(live.dump.map((d) => d.text)).toString('utf8');
        for (const e of ['SecretCreated', 'SecretsBulkPulled', 'UserLoginFailed', 'DB_PASSWORD']) expect(text).toContain(e);
        expect(live.hits).toEqual([]);
        expect(searchDir(dataDir, marker, ['master.key']).hits).toEqual([]);
      }
    });

    it('after a clean stop and a restart the value is still readable (so it was stored, encrypted) and still in no file or output', async () => {
      expect((await srv.stop()).code).toBe(0);
      const outputs = [...findMarker('stdout', srv.stdoutBytes(), marker), ...findMarker('stderr', srv.stderrBytes(), marker)];
      expect(srv.stdout()).toContain('listening on');
      expect(await persistedHits()).toEqual([]);

      srv = await startServerProcess({ dataDir, env: (store as ProcessStore).env });
      const token = await srv.login();
      const r = ok(await srv.request('GET', `${base}/secrets/DB_PASSWORD`, { token }), 200);
      expect(r.json()).toMatchObject({ value: updated, version: 2 });
      expect((await srv.stop()).code).toBe(0);
      outputs.push(...findMarker('stdout 2', srv.stdoutBytes(), marker), ...findMarker('stderr 2', srv.stderrBytes(), marker));
      expect(outputs).toEqual([]);
      expect(await persistedHits()).toEqual([]);
    });
  });
}
