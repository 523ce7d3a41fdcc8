import { existsSync, readFileSync } from 'node:fs';
import type { AuditEntry } from '../contract/entries.js';
import type { CheckpointListView, CheckpointView, LeavesView, ProofsView, ProvedExport, RangeProofView } from '../contract/integrity.js';
import { EMPTY_EDGE, edgeRoot, extend } from '../integrity/compact.js';
import { openCheckpoint, parseVerifierKey, type Checkpoint, type NoteVerifier } from '../integrity/note.js';
import { nameFields, verifyProved, verifyStretch, type Problem, type StoredEntry, type StretchResult } from '../integrity/verify.js';
import type { ApiClient } from './api-client.js';
import { CliError, EXIT, usageError } from './errors.js';
import { pageThrough } from './log-stream.js';

/** Leaves per request (the server's maximum). */
const PAGE = 1000;
/** Entries per proofs request (the server's maximum). */
const PROOFS_PER_REQUEST = 100;

/** A verifier key given as the key string itself or as a file holding it. */
export function readVerifierKey(value: string): NoteVerifier {
  const text = existsSync(value) ? readFileSync(value, 'utf8').trim() : value.trim();
  try {
    return parseVerifierKey(text);
  } catch (e) {
    throw usageError(`invalid --public-key: ${(e as Error).message}`, 'Give the key printed by `bella audit public-key` (name+hexid+base64), or a file holding it.');
  }
}

/** Opens a signed checkpoint note; a bad signature is a verification failure, not a usage error. */
export function openSignedCheckpoint(note: string, key: NoteVerifier, where: string): Checkpoint {
  try {
    return openCheckpoint(note, key);
  } catch (e) {
    throw new CliError(EXIT.error, `the checkpoint ${where} does not verify: ${(e as Error).message}`, 'It was not signed by this key, or it was altered.');
  }
}

/** The key to trust: the one given, else the server's (said so, since a rewritten server could give another). */
export async function trustedKey(client: Pick<ApiClient, 'get'>, given: string | undefined, warn: (s: string) => void): Promise<NoteVerifier> {
  if (given !== undefined) return readVerifierKey(given);
  const k = await client.get<{ publicKey: string }>('/api/v1/audit-log/public-key');
  warn(`Using the server's own public key ${k.publicKey}; pin it with --public-key to detect a server that lies about its key.`);
  return parseVerifierKey(k.publicKey);
}

export interface LiveOptions {
  readonly key: NoteVerifier;
  /** A signed checkpoint note (from a file kept outside the database); else the server's latest */
  readonly checkpointNote: string | null;
  readonly fromSeq?: number;
  readonly toSeq?: number;
  /** Trusted copies of entries (from a proved export) to name the field of a changed entry */
  readonly reference?: ReadonlyMap<number, StoredEntry>;
}

export interface VerifyReport extends StretchResult {
  readonly checkpoint: Checkpoint;
  readonly firstSeq: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Entries committed after the checkpoint (not checked against it) */
  readonly newer: number;
}

/** Verifies the live log (whole, or seq fromSeq..toSeq) against a signed checkpoint. */
export async function verifyLive(client: Pick<ApiClient, 'get'>, o: LiveOptions): Promise<VerifyReport> {
  const latest = await client.get<CheckpointView>('/api/v1/audit-log/checkpoint');
  const note = o.checkpointNote ?? latest.note;
  const cp = openSignedCheckpoint(note, o.key, o.checkpointNote ? 'given' : 'served by the server');
  const firstSeq = latest.firstSeq;
  const start = o.fromSeq !== undefined ? Math.max(0, o.fromSeq - firstSeq) : 0;
  const end = o.toSeq !== undefined ? Math.min(cp.size, o.toSeq - firstSeq + 1) : cp.size;
  if (end <= start) throw usageError(`nothing to verify: checkpoint ${cp.size} covers seq ${firstSeq}..${firstSeq + cp.size - 1}`);
  const treeLeaves: Buffer[] = [];
  const entries: StoredEntry[] = [];
  let treeSize = 0;
  let treeEnded = false;
  for (let i = start; i < end; i += PAGE) {
    const j = Math.min(end, i + PAGE);
    const page = await client.get<LeavesView>('/api/v1/audit-log/leaves', { start: i, end: j });
    treeSize = page.treeSize;
    if (!treeEnded) treeLeaves.push(...page.leafHashes.map((h) => Buffer.from(h, 'base64')));
    if (page.leafHashes.length < j - i) treeEnded = true;
    entries.push(...page.entries);
  }
  // Rows past the tree's end were not written by the committer (the tree grows with every commit).
  const problems: Problem[] = [];
  const beyond = await client.get<LeavesView>('/api/v1/audit-log/leaves', { start: Math.max(treeSize, end), end: Math.max(treeSize, end) + PAGE });
  for (const e of beyond.entries) {
    if (e.seq >= firstSeq + treeSize) problems.push({ seq: e.seq, field: 'entry', message: `not in the tree (which ends at seq ${firstSeq + treeSize - 1}): inserted around the committer (forged)` });
  }
  let rangeProof: Buffer[] = [];
  if (!treeEnded && cp.size <= treeSize) {
    const rp = await client.get<RangeProofView>('/api/v1/audit-log/range-proof', { start, end, size: cp.size });
    rangeProof = rp.rangeProof.map((h) => Buffer.from(h, 'base64'));
  }
  const purgedBelow = Math.max(
    0,
    ...entries.filter((e) => e.event === 'LogsPurged' && typeof e.details.auditKeptFromSeq === 'number').map((e) => e.details.auditKeptFromSeq as number),
  );
  const r = verifyStretch({ checkpoint: cp, firstSeq, start, end, treeLeaves, rangeProof, entries, purgedBelow });
  if (start === 0 && r.problems.some((p) => p.field === 'tree' && p.seq === null)) problems.push(...(await localise(client, o.key, cp, firstSeq, treeLeaves)));
  const all = [...r.problems, ...problems];
  return {
    ...r,
    problems: o.reference ? nameFields(all, entries, o.reference) : all,
    checkpoint: cp,
    firstSeq,
    fromSeq: firstSeq + start,
    toSeq: firstSeq + end - 1,
    newer: Math.max(0, treeSize - cp.size),
  };
}

/**
 * Where a rewritten tree went wrong: the stored leaves are replayed and their root compared with
 * every earlier signed checkpoint (each a signed note the database cannot forge); the rewrite lies
 * after the last checkpoint that still matches and before the first that does not.
 */
async function localise(client: Pick<ApiClient, 'get'>, key: NoteVerifier, cp: Checkpoint, firstSeq: number, leaves: readonly Buffer[]): Promise<Problem[]> {
  const list = await client.get<CheckpointListView>('/api/v1/audit-log/checkpoints');
  const sizes = [...new Set([...list.checkpoints.map((c) => c.size).filter((n) => n < cp.size), cp.size])].sort((a, b) => a - b);
  let edge = EMPTY_EDGE;
  let good = 0;
  for (const size of sizes) {
    edge = extend(edge, leaves.slice(edge.size, size)).edge;
    const signed = size === cp.size ? cp : openSignedCheckpoint((await client.get<CheckpointView>('/api/v1/audit-log/checkpoint', { size })).note, key, `of size ${size}`);
    if (!edgeRoot(edge).equals(signed.root)) {
      return [{ seq: firstSeq + good, field: 'tree', message: `the rewrite lies in seq ${firstSeq + good}..${firstSeq + size - 1}: the stored tree matches signed checkpoint ${good || '(none)'} but not checkpoint ${size}` }];
    }
    good = size;
  }
  return [];
}

/** The entries of a proved export whose proofs verify, by seq: trusted copies for naming edited fields. */
export function trustedCopies(file: string, key: NoteVerifier): Map<number, StoredEntry> {
  const { report, doc } = readExport(file, key);
  const bad = new Set(report.problems.map((p) => p.seq));
  return new Map(doc.entries.filter((e) => !bad.has(e.seq)).map((e) => [e.seq, e]));
}

/** Verifies an export made with `bella audit list --output json --with-proof`, offline. */
export function verifyExportFile(file: string, key: NoteVerifier): VerifyReport {
  return readExport(file, key).report;
}

function readExport(file: string, key: NoteVerifier): { report: VerifyReport; doc: ProvedExport } {
  let doc: ProvedExport;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as ProvedExport;
  } catch (e) {
    throw usageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (doc?.format !== 'bella-audit-proofs/1' || !Array.isArray(doc.entries) || typeof doc.checkpoint?.note !== 'string') {
    throw usageError(`${file} is not an export made with --with-proof (format bella-audit-proofs/1)`, 'Make one with: bella audit list --output json --with-proof > audit.json');
  }
  const cp = openSignedCheckpoint(doc.checkpoint.note, key, `in ${file}`);
  const r = verifyProved(cp, doc.checkpoint.firstSeq, doc.entries);
  const seqs = doc.entries.map((e) => e.seq);
  return { doc, report: { ...r, checkpoint: cp, firstSeq: doc.checkpoint.firstSeq, fromSeq: Math.min(...seqs), toSeq: Math.max(...seqs), newer: 0 } };
}

/** Lists entries as `bella audit list` would (filters, newest first) and attaches each one's inclusion proof against one checkpoint. */
export async function provedExport(client: ApiClient, query: Record<string, unknown>, cap: number | null): Promise<ProvedExport> {
  let checkpoint: CheckpointView | null = null;
  const entries: ProvedExport['entries'][number][] = [];
  // A page at a time: its proofs in one request; the first page's (newest entries) fixes the checkpoint.
  for await (const page of pageThrough<AuditEntry>(client, '/api/v1/audit-logs', query as never, cap, PROOFS_PER_REQUEST)) {
    const q: Record<string, string | number> = { ids: page.map((e) => e.id).join(',') };
    if (checkpoint) q.checkpoint = checkpoint.size;
    const r: ProofsView = await client.get<ProofsView>('/api/v1/audit-log/proofs', q);
    checkpoint ??= r.checkpoint;
    for (const p of r.proofs) entries.push({ ...p.entry, leafIndex: p.leafIndex, inclusionProof: p.inclusionProof });
  }
  if (!checkpoint) checkpoint = await client.get<CheckpointView>('/api/v1/audit-log/checkpoint');
  return { format: 'bella-audit-proofs/1', checkpoint, entries };
}

/** The report as lines: one per problem (seq, field, why), then the summary. */
export function reportLines(r: VerifyReport, where: string): string[] {
  const lines = r.problems.map((p) => `FAIL  seq ${p.seq ?? '-'}  ${p.field}: ${p.message}`);
  const root = r.checkpoint.root.toString('base64');
  const range = `seq ${r.fromSeq}..${r.toSeq}`;
  if (r.problems.length === 0) {
    lines.push(`OK  ${where}: ${r.verified} entries (${range}) match checkpoint ${r.checkpoint.size} (${r.checkpoint.origin}, root ${root})${r.purged > 0 ? `; ${r.purged} removed by retention, their leaves still in the tree` : ''}${r.newer > 0 ? `; ${r.newer} newer entries not covered by this checkpoint yet` : ''}`);
  } else {
    lines.push(`FAILED  ${where}: ${r.problems.length} problem(s) in ${range} against checkpoint ${r.checkpoint.size} (root ${root}); ${r.verified} entries verified`);
  }
  return lines;
}
