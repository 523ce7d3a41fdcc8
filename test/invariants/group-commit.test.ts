import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, Unit } from '../../src/store/types.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';

/**
 * Invariants 3, 6 and 7 through the HTTP app: one commitBatch per event-loop turn, one seq per row,
 * no gaps even when units fail, and an access row for every request whatever its status.
 */
for (const kind of await testStores()) {
  describe(`group commit through the HTTP app (${kind})`, () => {
    let t: TestServer;
    const batches: number[] = [];
    let failedUnits = 0;
    let readFault = false;
    /**
     * commitBatch calls that started while another was still running: none on SQLite (one at a
     * time); on PostgreSQL only batches of log-only units, on its second log lane (Store.logLanes)
     */
    let overlapping = 0;
    let overlappingWithWork = 0;
    let maxInFlight = 0;
    let inFlight = 0;
    const base = '/api/v1/projects/gc/environments/prod';

    const countingStore = (s: Store): Store => ({
      ...s,
      async commitBatch(units: readonly Unit[]) {
        batches.push(units.length);
        if (inFlight > 0) {
          overlapping++;
          if (units.some((u) => u.work)) overlappingWithWork++;
        }
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          const outcomes = await s.commitBatch(units);
          failedUnits += outcomes.filter((o) => !o.ok).length;
          return outcomes;
        } finally {
          inFlight--;
        }
      },
      // A read that throws a plain Error is how a 500 arises without adding a route to the server.
      secrets: {
        ...s.secrets,
        async get(envId, key, version) {
          if (readFault) throw new Error('injected read failure');
          return s.secrets.get(envId, key, version);
        },
      },
    });

    beforeAll(async () => {
      t = await startTestServer({ store: kind, wrapStore: countingStore });
      const a = t.adminToken;
      expect((await t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'gc', name: 'GC' } })).statusCode).toBe(201);
      expect((await t.req('POST', '/api/v1/projects/gc/environments', { token: a, body: { slug: 'prod', name: 'Prod' } })).statusCode).toBe(201);
      expect((await t.req('PUT', `${base}/secrets/K`, { token: a, body: { value: 'v' } })).statusCode).toBe(200);
    });
    afterAll(async () => t.close());

    const accessRow = async (requestId: string) => {
      const r = await t.req('GET', `/api/v1/access-logs?requestId=${requestId}`, { token: t.adminToken });
      return r.json().entries as { seq: number; status: number; route: string | null }[];
    };

    // SQLite reads are synchronous, so the 40 requests submit their units in one event-loop turn: one
    // batch. PostgreSQL reads are awaited, so the units arrive over a few turns; at most two batches
    // (the store's log lanes) are in flight and all that arrive meanwhile join the next, so they still
    // share a handful of batches (committing each unit alone would make 40).
    const sharing = kind === 'sqlite' ? 'share one commitBatch call' : 'share a few commitBatch calls, at most two in flight';
    it(`40 concurrent secret reads ${sharing} and each gets its own seq`, async () => {
      const before = batches.length;
      overlapping = 0;
      overlappingWithWork = 0;
      maxInFlight = 0;
      const ids = Array.from({ length: 40 }, (_, i) => `gc-read-${i}`);
      const rs = await Promise.all(ids.map((id) => t.req('GET', `${base}/secrets/K`, { token: t.adminToken, headers: { 'x-request-id': id } })));
      expect(rs.map((r) => r.statusCode)).toEqual(ids.map(() => 200));
      const used = batches.slice(before);
      expect(used.reduce((a, b) => a + b, 0)).toBe(40);
      if (kind === 'sqlite') expect(used.length).toBe(1);
      else expect(used.length, `batch sizes ${JSON.stringify(used)}`).toBeLessThanOrEqual(8);
      if (kind === 'sqlite') expect(overlapping).toBe(0);
      else expect(maxInFlight).toBeLessThanOrEqual(2);
      expect(overlappingWithWork).toBe(0);

      const audit = (await t.req('GET', '/api/v1/audit-logs?event=SecretRead&limit=1000', { token: t.adminToken })).json().entries as { seq: number; requestId: string }[];
      const auditSeqs = ids.map((id) => audit.find((e) => e.requestId === id)?.seq);
      const accessSeqs = await Promise.all(ids.map(async (id) => (await accessRow(id)).map((e) => e.seq)));
      expect(accessSeqs.every((s) => s.length === 1)).toBe(true);
      for (const seqs of [auditSeqs as number[], accessSeqs.flat()]) {
        const sorted = [...seqs].sort((a, b) => a - b);
        expect(new Set(sorted).size).toBe(40);
        expect((sorted[39] as number) - (sorted[0] as number)).toBe(39); // contiguous: commit order, nothing else wrote meanwhile
      }
    });

    it('seq stays gap-free in both logs after units fail (a duplicate create, a delete of nothing)', async () => {
      const a = t.adminToken;
      const failedBefore = failedUnits;
      const dup = await Promise.all(
        [1, 2, 3].map(() => t.req('POST', '/api/v1/projects', { token: a, body: { slug: 'dup', name: 'Dup' } })),
      );
      expect(dup.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      expect((await t.req('DELETE', `${base}/secrets/NOPE`, { token: a })).statusCode).toBe(404);
      expect((await t.req('PUT', `${base}/secrets/K`, { token: a, body: { value: 'v2' } })).statusCode).toBe(200);
      // The two losers failed inside the batch (unique violation), the delete inside its unit.
      expect(failedUnits - failedBefore).toBe(3);
      const created = (await t.req('GET', '/api/v1/audit-logs?event=ProjectCreated&project=dup', { token: a })).json().entries;
      expect(created).toHaveLength(1);
      for (const log of ['audit-logs', 'access-logs']) {
        const entries = (await t.req('GET', `/api/v1/${log}?limit=1000`, { token: a })).json().entries as { seq: number }[];
        const seqs = entries.map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length - i));
      }
    });

    it('an access row exists for 401, 404, 400 and 500 responses', async () => {
      const cases: [string, () => Promise<{ statusCode: number }>][] = [
        ['s401', () => t.req('GET', `${base}/secrets/K`, { headers: { 'x-request-id': 's401' } })],
        ['s404', () => t.req('GET', '/api/v1/nowhere', { token: t.adminToken, headers: { 'x-request-id': 's404' } })],
        ['s400', () => t.req('GET', '/api/v1/audit-logs?limit=0', { token: t.adminToken, headers: { 'x-request-id': 's400' } })],
        ['s500', async () => {
          readFault = true;
          try {
            return await t.req('GET', `${base}/secrets/K`, { token: t.adminToken, headers: { 'x-request-id': 's500' } });
          } finally {
            readFault = false;
          }
        }],
      ];
      for (const [id, send] of cases) {
        const r = await send();
        const status = Number(id.slice(1));
        expect(r.statusCode).toBe(status);
        expect(await accessRow(id)).toEqual([expect.objectContaining({ status })]);
      }
      // The 500 leaves the generic message, not the internal error.
      const body = (await t.req('GET', '/api/v1/access-logs?requestId=s500', { token: t.adminToken })).body;
      expect(body).not.toContain('injected read failure');
    });
  });
}
