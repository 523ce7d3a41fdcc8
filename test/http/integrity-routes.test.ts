import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointView, ConsistencyView, LeavesView, ProofsView, ProofView, PublicKeyView } from '../../src/contract/integrity.js';
import { entryLeafHash } from '../../src/integrity/canonical.js';
import { consistencyRanges } from '../../src/integrity/merkle.js';
import { openCheckpoint, parseVerifierKey } from '../../src/integrity/note.js';
import { rootFromRange, verifyConsistency, verifyInclusion } from '../../src/integrity/merkle.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { rid, seedProject } from './helpers.js';

const b = (s: string) => Buffer.from(s, 'base64');

for (const kind of await testStores()) {
  describe(`the verifiable Audit Log over HTTP (${kind})`, () => {
    let t: TestServer;
    let alice: string;
    let admin: string;

    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      admin = t.adminToken;
      alice = await t.user('alice@example.com', 'Alice');
      await seedProject(t, alice, 'web', ['prod']);
      await seedProject(t, admin, 'other', ['prod']);
      for (let i = 0; i < 5; i++) await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/K', { token: alice, body: { value: `v${i}` } });
    });
    afterAll(async () => t.close());

    it('serves the public key in the signed-note verifier form, and a checkpoint it verifies', async () => {
      const k = (await t.req('GET', '/api/v1/audit-log/public-key', { token: admin })).json() as PublicKeyView;
      expect(k.publicKey).toMatch(/^bella\.local\/audit-log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
      expect(k.keyId).toBe(k.publicKey.split('+')[1]);
      const r = await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin });
      expect(r.statusCode, r.body).toBe(200);
      const cp = r.json() as CheckpointView;
      const opened = openCheckpoint(cp.note, parseVerifierKey(k.publicKey));
      expect(opened).toMatchObject({ origin: 'bella.local/audit-log', size: cp.size });
      expect(opened.root.toString('base64')).toBe(cp.root);
      expect(cp.note).toMatch(/^bella\.local\/audit-log\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 bella\.local\/audit-log [A-Za-z0-9+/]+=*\n$/);
      const text = await t.req('GET', '/api/v1/audit-log/checkpoint', { token: admin, headers: { accept: 'text/plain' } });
      expect(text.headers['content-type']).toMatch(/^text\/plain/);
    });

    it('every audited response carries its Bella-Audit-Entry receipt, and the receipt proves inclusion', async () => {
      const id = rid('receipt');
      const w = await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/RECEIPT', { token: alice, body: { value: 'x' }, headers: { 'x-request-id': id } });
      expect(w.statusCode).toBeLessThan(300);
      const seq = Number(w.headers['bella-audit-entry']);
      expect(seq).toBeGreaterThan(0);
      const entry = (await t.server.store.auditLog.query({ requestId: id }, 10))[0];
      expect(entry?.seq).toBe(seq);
      const p = await t.req('GET', `/api/v1/audit-logs/${entry?.id}/proof`, { token: alice });
      expect(p.statusCode, p.body).toBe(200);
      const proof = p.json() as ProofView;
      expect(proof.entry.seq).toBe(seq);
      const cp = openCheckpoint(proof.checkpoint.note, parseVerifierKey(proof.checkpoint.publicKey));
      const leaf = entryLeafHash({ ...proof.entry, personalHash: proof.entry.personalHash as string });
      expect(verifyInclusion(proof.leafIndex, cp.size, leaf, proof.inclusionProof.map(b), cp.root)).toBe(true);
      // The receipt itself (the seq) names the entry too.
      const bySeq = await t.req('GET', `/api/v1/audit-logs/${seq}/proof`, { token: alice });
      expect(bySeq.statusCode, bySeq.body).toBe(200);
      expect((bySeq.json() as ProofView).entry.id).toBe(entry?.id);
      expect((await t.req('GET', '/api/v1/audit-logs/99999999/proof', { token: alice })).statusCode).toBe(404);
      // A secret read (recorded at the end of the request) carries its receipt; a page of the log records nothing and carries none.
      const read = await t.req('GET', '/api/v1/projects/web/environments/prod/secrets/RECEIPT', { token: alice });
      expect(Number(read.headers['bella-audit-entry'])).toBeGreaterThan(seq);
      const list = await t.req('GET', '/api/v1/audit-logs', { token: alice });
      expect(list.headers['bella-audit-entry']).toBeUndefined();
    });

    it('proves a page of entries against one checkpoint in one request', async () => {
      const page = (await t.req('GET', '/api/v1/audit-logs?project=web&limit=5', { token: alice })).json().entries as { id: string; seq: number }[];
      const r = await t.req('GET', `/api/v1/audit-log/proofs?ids=${page.map((e) => e.id).join(',')}`, { token: alice });
      expect(r.statusCode, r.body).toBe(200);
      const v = r.json() as ProofsView;
      const cp = openCheckpoint(v.checkpoint.note, parseVerifierKey(v.checkpoint.publicKey));
      expect(v.proofs.map((p) => p.entry.seq)).toEqual(page.map((e) => e.seq));
      for (const p of v.proofs) {
        expect(verifyInclusion(p.leafIndex, cp.size, entryLeafHash({ ...p.entry, personalHash: p.entry.personalHash as string }), p.inclusionProof.map(b), cp.root)).toBe(true);
      }
      const other = (await t.server.store.auditLog.query({ project: 'other' }, 1))[0];
      expect((await t.req('GET', `/api/v1/audit-log/proofs?ids=${page[0]?.id},${other?.id}`, { token: alice })).statusCode).toBe(404);
      for (const ids of ['', 'a,,b', Array.from({ length: 101 }, (_, i) => `id${i}`).join(','), 'x'.repeat(70)]) {
        const bad = await t.req('GET', `/api/v1/audit-log/proofs?ids=${ids}`, { token: alice });
        expect(bad.statusCode, ids.slice(0, 20)).toBe(400);
      }
    });

    it('proves consistency between two checkpoints', async () => {
      const first = (await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin })).json() as CheckpointView;
      await t.req('PUT', '/api/v1/projects/web/environments/prod/secrets/MORE', { token: alice, body: { value: 'y' } });
      const second = (await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin })).json() as CheckpointView;
      expect(second.size).toBeGreaterThan(first.size);
      const c = (await t.req('GET', `/api/v1/audit-log/consistency?from=${first.size}&to=${second.size}`, { token: alice })).json() as ConsistencyView;
      expect(c.consistencyProof).toHaveLength(consistencyRanges(first.size, second.size).length);
      expect(verifyConsistency(first.size, second.size, c.consistencyProof.map(b), b(first.root), b(second.root))).toBe(true);
      expect(verifyConsistency(first.size, second.size, c.consistencyProof.map(b), b(second.root), b(second.root))).toBe(false);
    });

    it('gives the instance admin leaves and a range proof that lead to the checkpoint root', async () => {
      const cp = (await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin })).json() as CheckpointView;
      const l = (await t.req('GET', `/api/v1/audit-log/leaves?start=0&end=${cp.size}`, { token: admin })).json() as LeavesView;
      expect(l.leafHashes).toHaveLength(cp.size);
      expect(l.entries.length).toBe(cp.size);
      l.entries.forEach((e, i) => expect(entryLeafHash({ ...e, personalHash: e.personalHash as string }).toString('base64')).toBe(l.leafHashes[i]));
      const rp = (await t.req('GET', `/api/v1/audit-log/range-proof?start=1&end=${cp.size}&size=${cp.size}`, { token: admin })).json();
      expect(rootFromRange(l.leafHashes.slice(1).map(b), 1, cp.size, rp.rangeProof.map(b))?.toString('base64')).toBe(cp.root);
    });

    it('applies the Audit Log read rules: another project\u2019s entry is not found, the whole log is the admin\u2019s', async () => {
      const other = (await t.server.store.auditLog.query({ project: 'other' }, 1))[0];
      expect((await t.req('GET', `/api/v1/audit-logs/${other?.id}/proof`, { token: alice })).statusCode).toBe(404);
      const leaves = await t.req('GET', '/api/v1/audit-log/leaves?start=0&end=2', { token: alice });
      expect(leaves.statusCode).toBe(403);
      expect(leaves.json().error.code).toBe('forbidden');
      expect((await t.req('GET', '/api/v1/audit-log/checkpoint')).statusCode).toBe(401);
      const bob = await t.user('bob@example.com', 'Bob');
      expect((await t.req('GET', '/api/v1/audit-log/public-key', { token: bob })).statusCode).toBe(403);
    });

    it('refuses malformed and out-of-range parameters with the error envelope', async () => {
      for (const url of [
        '/api/v1/audit-log/consistency?from=0&to=3',
        '/api/v1/audit-log/consistency?from=5&to=3',
        '/api/v1/audit-log/consistency?from=1&to=99999999',
        '/api/v1/audit-log/consistency?from=1e3&to=x',
        '/api/v1/audit-log/consistency?from=1&to=2&extra=1',
        '/api/v1/audit-log/leaves?start=0&end=5000',
        '/api/v1/audit-log/range-proof?start=3&end=2&size=5',
        '/api/v1/audit-log/checkpoint?size=-1',
        `/api/v1/audit-logs/${'a'.repeat(500)}/proof`,
        '/api/v1/audit-logs/%00%01/proof',
      ]) {
        const r = await t.req('GET', url, { token: admin });
        expect(r.statusCode, `${url}: ${r.body}`).toBe(400);
        expect(r.json().error.code).toBe('validation_failed');
      }
      expect((await t.req('GET', '/api/v1/audit-logs/no-such-entry/proof', { token: admin })).statusCode).toBe(404);
      expect((await t.req('GET', '/api/v1/audit-log/checkpoint?size=999999', { token: admin })).statusCode).toBe(404);
    });
  });
}
