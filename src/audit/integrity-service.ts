import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointListView, CheckpointView, ConsistencyView, ProofsView, LeavesView, ProofView, PublicKeyView, RangeProofView } from '../contract/integrity.js';
import { edgeRoot, unpackFrontier } from '../integrity/compact.js';
import { consistencyRanges, inclusionRanges, nodesFor, rangeProofRanges, subtreeHash, verifyConsistency, type Range } from '../integrity/merkle.js';
import { checkpointText, newSeed, openCheckpoint, parseVerifierKey, signerFromSeed, signNote, verifierKeyString, type NoteSigner } from '../integrity/note.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, DomainError, forbidden, notFound } from '../kernel/errors.js';
import type { ScopeResolver } from '../projects/scope.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { AuditLeafEntry, CheckpointRow, Store, TreeStateRow } from '../store/ports.js';
import { SerialLock } from '../store/serial-lock.js';
import { logReadScope } from './log-read-scope.js';
import { systemOp } from './recorder.js';
import type { UnitOfWork } from './unit-of-work.js';

const KEY_SETTING = 'integrity.checkpointKey';
const KEY_PURPOSE = 'checkpoint-signing-key';
/** Leaves per /leaves page: 1,000 hashes and entries stay well under a megabyte. */
export const MAX_LEAVES = 1000;
/** Entries per batch of proofs (an export page). */
export const MAX_PROOFS = 100;
/** Checkpoints listed at most (a week of one a minute). */
const MAX_CHECKPOINTS = 10_080;

export interface IntegrityDeps {
  readonly store: Pick<Store, 'auditTree' | 'settings' | 'members' | 'projects'>;
  readonly uow: UnitOfWork;
  readonly keyring: Pick<KeyRing, 'sealInstance' | 'openInstance'>;
  readonly clock: Clock;
  readonly scopes: ScopeResolver;
  /** Checkpoint origin (also the key name) and the publication directory (null: none) */
  readonly origin: string;
  readonly dir: string | null;
  /** Each new checkpoint is POSTed here as text/plain (best effort: a failure is alerted, never blocks signing) */
  readonly webhookUrl?: string | null;
  /** Where a refusal to sign is reported besides its CheckpointRefused entry (the server log) */
  readonly alert?: (message: string) => void;
}

const b64 = (b: Buffer) => b.toString('base64');

/**
 * The verifiable Audit Log, served: the signing key (sealed by the key ring), signed checkpoints
 * (never one inconsistent with an earlier one), inclusion, consistency and range proofs built from the
 * stored nodes. The algorithms are src/integrity/; this is where they meet the store and the callers.
 */
export function createIntegrityService(deps: IntegrityDeps) {
  const { store, uow, keyring, clock } = deps;
  let signer: NoteSigner | null = null;
  /** The last checkpoint this node signed or checked (the consistency reference that no database edit can move) */
  let lastKnown: CheckpointRow | null = null;
  const signing = new SerialLock();
  let lastRefusal: string | null = null;

  /** Who may read integrity data: whoever may read some of the Audit Log; `all` needs every project (the instance admin). */
  async function requireReader(op: OpContext, all = false): Promise<{ projectIn?: readonly string[] }> {
    authenticated(op);
    const scope = await logReadScope(deps, op, undefined);
    if (scope.projectIn && (all || scope.projectIn.length === 0)) {
      if (all) throw forbidden('only the instance admin may read the whole Audit Log with its tree', 'admin_required');
      const p = authenticated(op);
      const member = p.kind === 'user' && (await store.members.listOfUser(p.user.id)).length > 0;
      throw member
        ? forbidden('reading the Audit Log needs the OWNER, PROJECT_MANAGER or AUDITOR role in a project', 'insufficient_role')
        : forbidden('reading the Audit Log needs a membership with the OWNER, PROJECT_MANAGER or AUDITOR role in a project', 'not_a_member');
    }
    return scope;
  }

  async function key(): Promise<NoteSigner> {
    if (signer) return signer;
    let sealed = await store.settings.get(KEY_SETTING);
    if (!sealed) {
      const seed = newSeed();
      const candidate = signerFromSeed(deps.origin, seed);
      const op = systemOp({ clock });
      await uow.run(op, async (tx) => {
        // Two nodes starting together: the first key stored wins, the other node uses it.
        if (await tx.settings.insertIfAbsent(KEY_SETTING, b64(keyring.sealInstance(seed, KEY_PURPOSE)))) {
          op.audit.record({ event: 'CheckpointKeyCreated', resource: deps.origin, details: { publicKey: verifierKeyString(candidate.name, candidate.publicKey) } });
        }
      });
      sealed = await store.settings.get(KEY_SETTING);
      if (!sealed) throw new Error('the checkpoint signing key could not be stored');
    }
    signer = signerFromSeed(deps.origin, keyring.openInstance(Buffer.from(sealed, 'base64'), KEY_PURPOSE));
    return signer;
  }

  async function nodeHashes(ranges: readonly Range[]): Promise<Buffer[]> {
    const keys = nodesFor(ranges);
    const got = await store.auditTree.nodes(keys);
    return ranges.map(([lo, hi]) =>
      subtreeHash(lo, hi, (level, index) => {
        const h = got.get(`${level}/${index}`);
        if (!h) throw new DomainError('log_inconsistent', `the stored tree lacks node ${level}/${index}: the database was altered; run bella audit verify`);
        return h;
      }),
    );
  }

  /** The newest checkpoint in the publication directory (files are never rewritten); `bad` names a file that does not verify. */
  function published(s: NoteSigner): { row: CheckpointRow | null; bad: string | null } {
    if (!deps.dir) return { row: null, bad: null };
    let names: string[];
    try {
      names = readdirSync(deps.dir).filter((n) => /^\d+\.checkpoint$/.test(n));
    } catch {
      return { row: null, bad: null };
    }
    const newest = names.map((n) => Number.parseInt(n, 10)).sort((a, b) => b - a)[0];
    if (newest === undefined) return { row: null, bad: null };
    const name = `${newest}.checkpoint`;
    try {
      const row = rowOf(readFileSync(join(deps.dir, name), 'utf8'), s);
      return row.size === newest ? { row: { ...row, signedAt: '' }, bad: null } : { row: null, bad: name };
    } catch {
      return { row: null, bad: name };
    }
  }

  function rowOf(note: string, s: NoteSigner): Omit<CheckpointRow, 'signedAt'> {
    const c = openCheckpoint(note, parseVerifierKey(verifierKeyString(s.name, s.publicKey)));
    return { size: c.size, root: c.root, note };
  }

  function publish(row: CheckpointRow): void {
    if (!deps.dir) return;
    mkdirSync(deps.dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(join(deps.dir, `${row.size}.checkpoint`), row.note, { flag: 'wx', mode: 0o644 });
    } catch (e) {
      // Another node (or an earlier run) published this size: the note is the same bytes (Ed25519 is deterministic).
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }

  /** Publication to a webhook: the note as text/plain; a failure is reported, the next checkpoint is posted anyway. */
  async function postCheckpoint(url: string, note: string): Promise<void> {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: note, signal: AbortSignal.timeout(10_000) });
      if (!r.ok) deps.alert?.(`the checkpoint webhook answered ${r.status}`);
    } catch (e) {
      deps.alert?.(`the checkpoint webhook failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async function refuse(message: string, details: Record<string, unknown>, kind: string): Promise<never> {
    deps.alert?.(message);
    // One entry per distinct refusal (which checkpoint, and how): the worker retries every interval,
    // and an entry each time would grow the log, and so the next attempt, forever.
    if (kind !== lastRefusal) {
      const op = systemOp({ clock });
      op.audit.record({ event: 'CheckpointRefused', resource: deps.origin, details: { ...details, message } });
      await uow.run(op);
      lastRefusal = kind;
    }
    throw new DomainError('log_inconsistent', message);
  }

  /** Checks that the tree of `state` extends `earlier`; refuses (and alerts) when it does not. */
  async function checkConsistent(earlier: CheckpointRow, state: TreeStateRow, root: Buffer): Promise<void> {
    if (earlier.size > state.size) {
      await refuse(`the tree has ${state.size} leaves but checkpoint ${earlier.size} was signed: entries were removed or an old backup restored`, { checkpointSize: earlier.size, treeSize: state.size }, `smaller:${earlier.size}`);
    }
    let ok: boolean;
    try {
      const proof = earlier.size === 0 ? [] : await nodeHashes(consistencyRanges(earlier.size, state.size));
      ok = verifyConsistency(earlier.size, state.size, proof, earlier.root, root);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      ok = false;
    }
    if (!ok) {
      await refuse(`the tree of ${state.size} leaves is not consistent with checkpoint ${earlier.size}: the stored tree was altered`, { checkpointSize: earlier.size, treeSize: state.size }, `inconsistent:${earlier.size}:${earlier.root.toString('hex')}`);
    }
  }

  /**
   * Signs a checkpoint of the committed tree when it grew since the last one (returns the latest
   * otherwise; null for an empty tree), after checking it against every earlier checkpoint this node
   * can see (its own memory, the publication directory, the database).
   */
  function sign(): Promise<CheckpointRow | null> {
    return signing.run(async () => {
      const s = await key();
      const state = await store.auditTree.state();
      const root = edgeRoot({ size: state.size, frontier: unpackFrontier(state.size, state.frontier) });
      const fromDb = await store.auditTree.latestCheckpoint();
      const pub = published(s);
      if (pub.bad) {
        await refuse(`the published checkpoint ${pub.bad} in ${deps.dir} does not verify with the signing key: someone else wrote it`, { file: pub.bad }, `file:${pub.bad}`);
      }
      const candidates = [lastKnown, pub.row, fromDb].filter((c): c is CheckpointRow => c !== null);
      for (const c of candidates) await checkConsistent(c, state, root);
      if (state.size === 0) return null;
      const newest = candidates.sort((a, b) => b.size - a.size)[0];
      if (newest && newest.size === state.size && fromDb?.size === state.size) {
        lastKnown = fromDb;
        publish(fromDb);
        return fromDb;
      }
      const note = signNote(checkpointText({ origin: deps.origin, size: state.size, root }), s);
      const row: CheckpointRow = { size: state.size, root, note, signedAt: clock().toISOString() };
      await uow.run(systemOp({ clock }), async (tx) => void (await tx.checkpoints.insert(row)));
      const stored = (await store.auditTree.checkpoint(state.size)) ?? row;
      publish(stored);
      if (deps.webhookUrl) void postCheckpoint(deps.webhookUrl, stored.note);
      lastKnown = stored;
      return stored;
    });
  }

  async function view(row: CheckpointRow, state: TreeStateRow): Promise<CheckpointView> {
    const s = await key();
    return { origin: deps.origin, size: row.size, root: b64(row.root), firstSeq: state.firstSeq, signedAt: row.signedAt, note: row.note, publicKey: verifierKeyString(s.name, s.publicKey) };
  }

  /** The checkpoint a proof of leaf `index` is built against: the one named, else the latest (signed now when none covers the leaf). */
  async function covering(index: number, size: number | undefined): Promise<CheckpointRow> {
    let row: CheckpointRow | null;
    if (size !== undefined) {
      intParam('checkpoint', size, 1);
      row = await store.auditTree.checkpoint(size);
      if (!row) throw notFound(`checkpoint of size ${size}`);
      if (index >= row.size) throw badRequest(`checkpoint ${row.size} does not cover leaf ${index}; use a later checkpoint`);
      return row;
    }
    row = await store.auditTree.latestCheckpoint();
    if (!row || index >= row.size) row = await sign();
    if (!row) throw notFound('checkpoint');
    return row;
  }

  const intParam = (name: string, v: number, min: number) => {
    if (!Number.isSafeInteger(v) || v < min) throw badRequest(`${name} must be a whole number, at least ${min}; got ${v}`);
  };

  return {
    sign,
    /** Who may read integrity data (checked before the request is validated, like every refusal) */
    authorizeReader: async (op: OpContext): Promise<void> => void (await requireReader(op)),
    /** Creates the signing key if there is none (at start, so its CheckpointKeyCreated entry comes first) */
    ensureKey: async (): Promise<void> => void (await key()),
    /** Signs a note text with the log key (a report's manifest digest, src/reports/pack.ts); the caller authorizes. */
    signText: async (text: string): Promise<string> => signNote(text, await key()),

    async publicKey(op: OpContext): Promise<PublicKeyView> {
      await requireReader(op);
      const s = await key();
      return { name: s.name, keyId: s.id.toString('hex'), publicKey: verifierKeyString(s.name, s.publicKey), origin: deps.origin, algorithm: 'Ed25519' };
    },

    /** The latest checkpoint, or the one of a given size; `fresh` signs one first when the log grew (admin). */
    async checkpoint(op: OpContext, q: { size?: number; fresh?: boolean }): Promise<CheckpointView> {
      await requireReader(op, q.fresh === true);
      if (q.size !== undefined) intParam('size', q.size, 1);
      const row = q.fresh ? await sign() : q.size !== undefined ? await store.auditTree.checkpoint(q.size) : ((await store.auditTree.latestCheckpoint()) ?? (await sign()));
      if (!row) throw notFound(q.size !== undefined ? `checkpoint of size ${q.size}` : 'checkpoint (the Audit Log tree is empty)');
      return view(row, await store.auditTree.state());
    },

    /**
     * An entry's inclusion proof against a checkpoint (the latest covering it when none is named). The
     * entry is named by its id, or by its seq (all digits: the Bella-Audit-Entry receipt).
     */
    async proof(op: OpContext, id: string, checkpointSize?: number): Promise<ProofView> {
      const scope = await requireReader(op);
      const bySeq = /^\d{1,15}$/.test(id);
      const entry = bySeq ? await store.auditTree.entryBySeq(Number(id)) : await store.auditTree.entry(id);
      const visible = (e: AuditLeafEntry) => !scope.projectIn || (e.projectSlug !== null && scope.projectIn.includes(e.projectSlug));
      if (!entry || !visible(entry)) throw notFound(`audit log entry ${JSON.stringify(id.slice(0, 64))}`);
      const state = await store.auditTree.state();
      const leafIndex = entry.seq - state.firstSeq;
      if (leafIndex < 0 || leafIndex >= state.size) {
        throw notFound(`a tree leaf for entry seq ${entry.seq} (entries before seq ${state.firstSeq} predate the verifiable log)`);
      }
      const row = await covering(leafIndex, checkpointSize);
      const proof = await nodeHashes(inclusionRanges(leafIndex, row.size));
      return { entry, leafIndex, treeSize: row.size, inclusionProof: proof.map(b64), checkpoint: await view(row, state) };
    },

    /** The stored checkpoints (sizes, newest first): each is a signed note, fetched with checkpoint(size). */
    async checkpoints(op: OpContext): Promise<CheckpointListView> {
      await requireReader(op);
      return { checkpoints: await store.auditTree.checkpointList(MAX_CHECKPOINTS) };
    },

    /** Inclusion proofs of several entries (by id, at most MAX_PROOFS) against one checkpoint, built from one read of the stored nodes. */
    async proofs(op: OpContext, ids: readonly string[], checkpointSize?: number): Promise<ProofsView> {
      const scope = await requireReader(op);
      if (ids.length === 0 || ids.length > MAX_PROOFS) throw badRequest(`ids: give 1 to ${MAX_PROOFS} entry ids, comma-separated`);
      const state = await store.auditTree.state();
      const entries: AuditLeafEntry[] = [];
      for (const id of ids) {
        const e = await store.auditTree.entry(id);
        if (!e || !(!scope.projectIn || (e.projectSlug !== null && scope.projectIn.includes(e.projectSlug)))) throw notFound(`audit log entry ${JSON.stringify(id.slice(0, 64))}`);
        if (e.seq < state.firstSeq || e.seq - state.firstSeq >= state.size) throw notFound(`a tree leaf for entry seq ${e.seq}`);
        entries.push(e);
      }
      const highest = Math.max(...entries.map((e) => e.seq - state.firstSeq));
      const row = await covering(highest, checkpointSize);
      const size = row.size;
      const perEntry = entries.map((e) => inclusionRanges(e.seq - state.firstSeq, size));
      const hashes = await nodeHashes(perEntry.flat());
      let at = 0;
      const proofs = entries.map((entry, i) => {
        const n = (perEntry[i] as Range[]).length;
        const inclusionProof = hashes.slice(at, at + n).map(b64);
        at += n;
        return { entry, leafIndex: entry.seq - state.firstSeq, inclusionProof };
      });
      return { checkpoint: await view(row, state), proofs };
    },

    async consistency(op: OpContext, from: number, to: number): Promise<ConsistencyView> {
      await requireReader(op);
      intParam('from', from, 1);
      intParam('to', to, 1);
      if (from > to) throw badRequest(`from (${from}) must not exceed to (${to})`);
      const state = await store.auditTree.state();
      if (to > state.size) throw badRequest(`to (${to}) exceeds the tree size (${state.size})`);
      const proof = await nodeHashes(consistencyRanges(from, to));
      return { from, to, consistencyProof: proof.map(b64) };
    },

    /** Leaf hashes and entries of leaves [start, end) (the live verifier's input; instance admin only). */
    async leaves(op: OpContext, start: number, end: number): Promise<LeavesView> {
      await requireReader(op, true);
      intParam('start', start, 0);
      intParam('end', end, 1);
      if (end <= start || end - start > MAX_LEAVES) throw badRequest(`end must be above start and at most ${MAX_LEAVES} past it`);
      const state = await store.auditTree.state();
      const leafHashes = (await store.auditTree.leafHashes(start, Math.min(end, state.size))).map(b64);
      const first = state.firstSeq + start;
      const entries = (await store.auditTree.leaves(first - 1, end - start)).filter((e) => e.seq < state.firstSeq + end);
      return { firstSeq: state.firstSeq, treeSize: state.size, start, end, leafHashes, entries };
    },

    async rangeProof(op: OpContext, start: number, end: number, size: number): Promise<RangeProofView> {
      await requireReader(op, true);
      intParam('start', start, 0);
      intParam('size', size, 1);
      if (!(start < end && end <= size)) throw badRequest(`need start < end ≤ size; got start ${start}, end ${end}, size ${size}`);
      const state = await store.auditTree.state();
      if (size > state.size) throw badRequest(`size (${size}) exceeds the tree size (${state.size})`);
      return { start, end, size, rangeProof: (await nodeHashes(rangeProofRanges(start, end, size))).map(b64) };
    },
  };
}

export type IntegrityService = ReturnType<typeof createIntegrityService>;
