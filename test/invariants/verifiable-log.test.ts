import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '../../src/cli/api-client.js';
import { verifyLive, type VerifyReport } from '../../src/cli/audit-verify.js';
import type { CheckpointView } from '../../src/contract/integrity.js';
import { entryLeafHash } from '../../src/integrity/canonical.js';
import { EMPTY_EDGE, extend, packFrontier } from '../../src/integrity/compact.js';
import { parseVerifierKey } from '../../src/integrity/note.js';
import { startTestServer, testStores, type TestServer } from '../helpers/harness.js';
import { seedProject } from '../http/helpers.js';

/**
 * Invariant 9: the log is verifiable. The stored log is tampered with directly in the database (as
 * someone with database access would) and `bella audit verify`'s algorithm must catch each change and
 * name the seq and the field; the untouched log verifies, also after a retention purge.
 */
for (const kind of await testStores()) {
  describe(`tampering with the stored Audit Log is caught (${kind})`, () => {
    let t: TestServer;
    let admin: string;
    let sqlite: Database.Database | null = null;
    let client: pg.Client | null = null;
    let published: CheckpointView;
    let key: ReturnType<typeof parseVerifierKey>;

    const exec = async (sql: string): Promise<void> => {
      if (sqlite) sqlite.exec(sql);
      else await (client as pg.Client).query(sql);
    };
    const blob = (b: Buffer) => (kind === 'sqlite' ? `x'${b.toString('hex')}'` : `'\\x${b.toString('hex')}'::bytea`);
    /** The CLI's HTTP client, over the in-process server, as the instance admin. */
    const api = {
      async get<T>(path: string, query: Query = {}): Promise<T> {
        const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)])).toString();
        const r = await t.req('GET', qs ? `${path}?${qs}` : path, { token: admin });
        if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode} ${r.body}`);
        return r.json() as T;
      },
    };
    const verify = (note = published.note): Promise<VerifyReport> => verifyLive(api, { key, checkpointNote: note });
    const where = (r: VerifyReport) => r.problems.map((p) => `${p.seq ?? '-'} ${p.field}`);
    const seqOf = async (event: string, resource: string) => (await t.server.store.auditLog.query({ events: [event as never], resource }, 1))[0]?.seq as number;

    beforeAll(async () => {
      t = await startTestServer({ store: kind });
      admin = t.adminToken;
      const alice = await t.user('alice@example.com', 'Alice');
      await seedProject(t, alice, 'web', ['prod']);
      for (let i = 0; i < 12; i++) {
        await t.req('PUT', `/api/v1/projects/web/environments/prod/secrets/K${i}`, { token: alice, body: { value: `v${i}` } });
        // Checkpoints along the way (the worker signs one a minute): they narrow down a rewritten tree.
        if (i === 2 || i === 6) await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin });
      }
      published = (await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin })).json() as CheckpointView;
      key = parseVerifierKey(published.publicKey);
      if (kind === 'sqlite') {
        sqlite = new Database(join(t.dataDir, 'bella.db'));
        sqlite.pragma('busy_timeout = 5000');
      } else {
        client = new pg.Client({ connectionString: t.database?.url });
        await client.connect();
      }
      // A copy of the log and its tree, restored after each scenario.
      await exec(`CREATE TABLE audit_copy AS SELECT * FROM audit_log;
        CREATE TABLE nodes_copy AS SELECT * FROM audit_tree_nodes;
        CREATE TABLE tree_copy AS SELECT * FROM audit_tree;`);
    });
    const setLastSeq = (v: string) =>
      kind === 'sqlite' ? `UPDATE sqlite_sequence SET seq = ${v} WHERE name = 'audit_log';` : `UPDATE log_seq SET last = ${v} WHERE log = 'audit';`;
    const restore = () =>
      exec(`DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM audit_copy;
        DELETE FROM audit_tree_nodes; INSERT INTO audit_tree_nodes SELECT * FROM nodes_copy;
        DELETE FROM audit_tree; INSERT INTO audit_tree SELECT * FROM tree_copy;
        ${setLastSeq('(SELECT max(seq) FROM audit_log)')}`);
    /** Runs a tampering scenario and puts the log back, whatever happened. */
    const tampered = (name: string, fn: () => Promise<void>) =>
      it(name, async () => {
        try {
          await fn();
        } finally {
          await restore();
        }
      });
    afterAll(async () => {
      sqlite?.close();
      await client?.end();
      await t.close();
    });

    it('the untouched log verifies against the published checkpoint', async () => {
      const r = await verify();
      expect(r.problems).toEqual([]);
      expect(r.verified).toBe(published.size);
    });

    tampered('an edited field names the entry; an edited personal field names the personal fields', async () => {
      const s = await seqOf('SecretCreated', 'K3');
      await exec(`UPDATE audit_log SET resource = 'K99' WHERE seq = ${s}`);
      expect(where(await verify())).toEqual([`${s} entry`]);
      await restore();
      await exec(`UPDATE audit_log SET actor_email = 'mallory@example.com' WHERE seq = ${s}`);
      expect(where(await verify())).toEqual([`${s} actor.email/actor.name/actor.ip`]);
      await restore();
      await exec(`UPDATE audit_log SET details = '{"version":7}' WHERE seq = ${s}`);
      expect(where(await verify())).toEqual([`${s} entry`]);
      await restore();
      expect((await verify()).problems).toEqual([]);
    });

    tampered('a deleted row, and deleted newest rows, are named by seq', async () => {
      const s = await seqOf('SecretCreated', 'K5');
      await exec(`DELETE FROM audit_log WHERE seq = ${s}`);
      expect(where(await verify())).toEqual([`${s} entry`]);
      await restore();
      const last = published.firstSeq + published.size - 1;
      await exec(`DELETE FROM audit_log WHERE seq >= ${last - 1}`);
      const r = await verify();
      expect(where(r)).toEqual([`${last - 1} entry`, `${last} entry`]);
      expect(r.problems[0]?.message).toMatch(/deleted/);
      await restore();
    });

    tampered('a cut tail with its tree (an old backup restored) is caught against the kept checkpoint', async () => {
      const last = published.firstSeq + published.size - 1;
      const size = published.size - 3;
      const edge = extend(EMPTY_EDGE, (await api.get<{ leafHashes: string[] }>('/api/v1/audit-log/leaves', { start: 0, end: size })).leafHashes.map((h) => Buffer.from(h, 'base64')));
      // The whole database as it was three entries ago: rows, tree and seq counter.
      await exec(`DELETE FROM audit_log WHERE seq > ${last - 3}; DELETE FROM audit_tree_nodes WHERE idx * (1 << level) + (1 << level) > ${size};
        UPDATE audit_tree SET size = ${size}, frontier = ${blob(packFrontier(edge.edge.frontier))};
        ${setLastSeq(String(last - 3))}`);
      const r = await verify();
      expect(where(r)[0]).toBe(`${last - 2} tree`);
      expect(r.problems[0]?.message).toMatch(/older backup|deleted/);
      // And the server refuses to sign a checkpoint that would hide it, and says so in the log.
      const refused = await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('log_inconsistent');
      expect((await t.server.store.auditLog.query({ events: ['CheckpointRefused'] }, 5)).length).toBeGreaterThan(0);
      await restore();
    });

    tampered('two swapped rows are named as moved', async () => {
      const a = await seqOf('SecretCreated', 'K1');
      const b = await seqOf('SecretCreated', 'K2');
      const cols = 'id, ts, event, actor_type, actor_id, actor_email, actor_name, actor_ip, project_slug, environment_slug, resource, outcome, request_id, user_agent, reason, details, personal_salt, personal_hash';
      await exec(`CREATE TABLE swap_a AS SELECT ${cols} FROM audit_log WHERE seq = ${a};
        CREATE TABLE swap_b AS SELECT ${cols} FROM audit_log WHERE seq = ${b};
        DELETE FROM audit_log WHERE seq IN (${a}, ${b});
        INSERT INTO audit_log (seq, ${cols}) SELECT ${a}, ${cols} FROM swap_b;
        INSERT INTO audit_log (seq, ${cols}) SELECT ${b}, ${cols} FROM swap_a;
        DROP TABLE swap_a; DROP TABLE swap_b;`);
      const r = await verify();
      expect(where(r)).toEqual([`${a} seq`, `${b} seq`]);
      expect(r.problems[0]?.message).toContain(`committed as seq ${b}`);
      await restore();
    });

    tampered('a forged row, in a gap or after the end, is caught', async () => {
      const s = await seqOf('SecretCreated', 'K7');
      await exec(`UPDATE audit_log SET resource = 'FORGED', id = 'forged-1' WHERE seq = ${s}`);
      expect(where(await verify())).toEqual([`${s} entry`]);
      await restore();
      const tree = await t.server.store.auditTree.state();
      const next = tree.firstSeq + tree.size + 5;
      await exec(`INSERT INTO audit_log (seq, id, ts, event, actor_type, outcome, details) VALUES (${next}, 'forged-2', '2026-01-01T00:00:00.000Z', 'SecretRead', 'User', 'Success', '{}')`);
      expect(where(await verify())).toEqual([`${next} entry`]);
      await restore();
    });

    tampered('an edit with every hash recomputed (without the signing key) fails against the published checkpoint', async () => {
      const s = await seqOf('SecretCreated', 'K4');
      await exec(`UPDATE audit_log SET resource = 'K44' WHERE seq = ${s}`);
      const state = await t.server.store.auditTree.state();
      const leaves: Buffer[] = (await api.get<{ leafHashes: string[] }>('/api/v1/audit-log/leaves', { start: 0, end: state.size })).leafHashes.map((h) => Buffer.from(h, 'base64'));
      const edited = await t.server.store.auditLog.query({ resource: 'K44' }, 1);
      const e = await t.server.store.auditTree.entry(edited[0]?.id as string);
      leaves[s - state.firstSeq] = entryLeafHash({ ...e!, personalHash: e!.personalHash as string });
      const rebuilt = extend(EMPTY_EDGE, leaves);
      const values = rebuilt.nodes.map((n) => `(${n.key[0]}, ${n.key[1]}, ${blob(n.hash)})`).join(', ');
      await exec(`DELETE FROM audit_tree_nodes; INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ${values};
        UPDATE audit_tree SET frontier = ${blob(packFrontier(rebuilt.edge.frontier))};`);
      const r = await verify();
      // The entry now matches its rewritten leaf; the tree does not match the signed checkpoints, and the
      // checkpoints signed along the way (after K2 and after K6) narrow the rewrite down to K3..K6.
      expect(r.problems.map((p) => p.field)).toEqual(['tree', 'tree']);
      expect(r.problems[0]?.message).toMatch(/rewritten/);
      const k3 = await seqOf('SecretCreated', 'K3');
      const k6 = await seqOf('SecretCreated', 'K6');
      expect(r.problems[1]?.seq).toBe(k3 - 0);
      expect(r.problems[1]?.message).toContain(`seq ${k3}..${k6}`);
      await restore();
    });

    it('after a retention purge the remaining log still verifies, its purged leaves still counted', async () => {
      // Everything older than the window: move the first entries back in time, then purge.
      await exec(`UPDATE audit_log SET ts = '2020-01-01T00:00:00.000Z' WHERE seq < ${published.firstSeq + 5}`);
      await exec(`UPDATE audit_copy SET ts = '2020-01-01T00:00:00.000Z' WHERE seq < ${published.firstSeq + 5}`);
      // The moved rows were edited (ts is committed): verify names them; retention then removes exactly them.
      expect((await verify()).problems.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5].map((i) => published.firstSeq + i - 1));
      const report = await t.server.services.retention.purge();
      expect(report.auditDeleted).toBe(5);
      const fresh = (await t.req('GET', '/api/v1/audit-log/checkpoint?fresh=true', { token: admin })).json() as CheckpointView;
      const r = await verify(fresh.note);
      expect(r.problems).toEqual([]);
      expect(r.purged).toBe(5);
      expect(r.verified).toBe(fresh.size - 5);
      // The earlier checkpoint is consistent with the later one.
      const c = await api.get<{ consistencyProof: string[] }>('/api/v1/audit-log/consistency', { from: published.size, to: fresh.size });
      expect(c.consistencyProof.length).toBeGreaterThan(0);
    });
  });
}
