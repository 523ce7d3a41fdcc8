import { nodeHash } from '../../integrity/hash.js';
import { auditLeafFromRow } from '../rows.js';
import type { AuditTreePort, AuditTreeTx, CheckpointRow, CheckpointsTx, TreeStateRow } from '../ports.js';
import type { Row, SqlDb } from './db.js';

/** Nodes per statement: 3 parameters each, well under both engines' limits. */
const CHUNK = 300;

export const stateOf = (r: Row | null | undefined): TreeStateRow => {
  if (!r) throw new Error('the audit tree state row is missing (migration 10 not applied?)');
  return { size: Number(r.size), firstSeq: Number(r.first_seq), frontier: Buffer.from(r.frontier as Uint8Array) };
};
const checkpointOf = (r: Row | null): CheckpointRow | null =>
  r ? { size: Number(r.size), root: Buffer.from(r.root as Uint8Array), note: String(r.note), signedAt: r.signed_at instanceof Date ? r.signed_at.toISOString() : String(r.signed_at) } : null;

const STATE = 'SELECT size, first_seq, frontier FROM audit_tree WHERE id = 1';
const INSERT_NODES: Readonly<Record<number, string>> = Object.fromEntries(
  [64, 16, 4, 1].map((n) => [n, `INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`]),
);

/** The Merkle tree of the Audit Log as stored: the edge (audit_tree), every complete node of an even level (audit_tree_nodes; odd levels computed on read), checkpoints. */
export function auditTreePort(db: SqlDb): AuditTreePort {
  return {
    state: async () => stateOf(await db.one(STATE)),
    async nodes(wanted) {
      // Odd levels are not stored (see save): each is asked for with its two children and, when not
      // stored itself (a tree written before issue 13), computed from them.
      const keys: (readonly [number, number])[] = [];
      for (const k of wanted) {
        keys.push(k);
        if (k[0] % 2 === 1) keys.push([k[0] - 1, 2 * k[1]], [k[0] - 1, 2 * k[1] + 1]);
      }
      const out = new Map<string, Buffer>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        const part = keys.slice(i, i + CHUNK);
        const rows = await db.all(
          `SELECT level, idx, hash FROM audit_tree_nodes WHERE ${part.map(() => '(level = ? AND idx = ?)').join(' OR ')}`,
          part.flatMap(([l, x]) => [l, x]),
        );
        for (const r of rows) out.set(`${Number(r.level)}/${Number(r.idx)}`, Buffer.from(r.hash as Uint8Array));
      }
      const found = new Map<string, Buffer>();
      for (const [l, x] of wanted) {
        const key = `${l}/${x}`;
        let h = out.get(key);
        if (!h && l % 2 === 1) {
          const left = out.get(`${l - 1}/${2 * x}`);
          const right = out.get(`${l - 1}/${2 * x + 1}`);
          if (left && right) h = nodeHash(left, right);
        }
        if (h) found.set(key, h);
      }
      return found;
    },
    async leafHashes(start, end) {
      const rows = await db.all('SELECT idx, hash FROM audit_tree_nodes WHERE level = 0 AND idx >= ? AND idx < ? ORDER BY idx', [Math.trunc(start), Math.trunc(end)]);
      const out: Buffer[] = [];
      for (const r of rows) {
        if (Number(r.idx) !== start + out.length) break;
        out.push(Buffer.from(r.hash as Uint8Array));
      }
      return out;
    },
    leaves: async (afterSeq, limit) =>
      (await db.all('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?', [Math.trunc(afterSeq), Math.trunc(limit)])).map(auditLeafFromRow),
    async entry(id) {
      const r = await db.one('SELECT * FROM audit_log WHERE id = ?', [id]);
      return r ? auditLeafFromRow(r) : null;
    },
    async entryBySeq(seq) {
      const r = await db.one('SELECT * FROM audit_log WHERE seq = ?', [Math.trunc(seq)]);
      return r ? auditLeafFromRow(r) : null;
    },
    latestCheckpoint: async () => checkpointOf(await db.one('SELECT * FROM audit_checkpoints ORDER BY size DESC LIMIT 1')),
    checkpoint: async (size) => checkpointOf(await db.one('SELECT * FROM audit_checkpoints WHERE size = ?', [Math.trunc(size)])),
    checkpointList: async (limit) =>
      (await db.all('SELECT size, signed_at FROM audit_checkpoints ORDER BY size DESC LIMIT ?', [Math.trunc(limit)])).map((r) => ({
        size: Number(r.size),
        signedAt: r.signed_at instanceof Date ? r.signed_at.toISOString() : String(r.signed_at),
      })),
  };
}

/**
 * The runner's writes. On PostgreSQL the edge row needs no lock of its own: every batch holds the
 * log_seq rows FOR UPDATE before reading it, so batches of all nodes extend the tree one after another.
 */
export function auditTreeTx(db: SqlDb): AuditTreeTx {
  return {
    state: async () => stateOf(await db.one(STATE)),
    async save(all, state) {
      // Only the even levels are stored (leaves included): an odd-level node is one hash of its two
      // stored children away (nodes() computes it), and the batch writes a third fewer node rows (about
      // 1.33 per leaf instead of 2). Invariant 9 is unchanged: every leaf and every stored node is
      // written in the transaction that assigns the leaves' seq.
      const nodes = all.filter((n) => n.key[0] % 2 === 0);
      // Statements of 64, 16, 4 or 1 rows: four statement texts in all, so each engine's statement
      // cache keeps them prepared (a text per batch size would churn it), and few round trips.
      for (let i = 0; i < nodes.length; ) {
        const left = nodes.length - i;
        const n = left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
        const part = nodes.slice(i, i + n);
        await db.run(INSERT_NODES[n] as string, part.flatMap((x) => [x.key[0], x.key[1], x.hash]));
        i += n;
      }
      await db.run('UPDATE audit_tree SET size = ?, first_seq = ?, frontier = ? WHERE id = 1', [state.size, state.firstSeq, state.frontier]);
    },
  };
}

export function checkpointsTx(db: SqlDb): CheckpointsTx {
  return {
    insert: async (c) =>
      (await db.run('INSERT INTO audit_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING', [c.size, c.root, c.note, c.signedAt])) === 1,
  };
}
