import { z } from 'zod';
import type { AuditEntry } from './entries.js';

/** Wire shapes of the verifiable Audit Log (docs/verification.md). Hashes are base64. */
export interface PublicKeyView {
  readonly name: string;
  /** 8 hex digits: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4] */
  readonly keyId: string;
  /** The signed-note verifier key: <name>+<hex id>+<base64(0x01 ‖ Ed25519 public key)> */
  readonly publicKey: string;
  readonly origin: string;
  readonly algorithm: 'Ed25519';
}

export interface CheckpointView {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  /** seq of leaf 0: leaf index = seq − firstSeq */
  readonly firstSeq: number;
  readonly signedAt: string;
  /** The C2SP signed note: checkpoint text, blank line, signature line */
  readonly note: string;
  readonly publicKey: string;
}

/** An Audit Log entry with the salted commitment of its personal fields. */
export interface CommittedAuditEntry extends AuditEntry {
  readonly personalSalt: string | null;
  readonly personalHash: string | null;
}

export interface ProofView {
  readonly entry: CommittedAuditEntry;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly inclusionProof: readonly string[];
  readonly checkpoint: CheckpointView;
}

export interface CheckpointListView {
  readonly checkpoints: readonly { readonly size: number; readonly signedAt: string }[];
}

export interface ProofsView {
  readonly checkpoint: CheckpointView;
  readonly proofs: readonly { readonly entry: CommittedAuditEntry; readonly leafIndex: number; readonly inclusionProof: readonly string[] }[];
}

export interface ConsistencyView {
  readonly from: number;
  readonly to: number;
  readonly consistencyProof: readonly string[];
}

export interface LeavesView {
  readonly firstSeq: number;
  readonly treeSize: number;
  readonly start: number;
  readonly end: number;
  /** Stored leaf hashes of [start, start + length); shorter than end − start when the tree ends first */
  readonly leafHashes: readonly string[];
  /** The entries the log holds with seq in [firstSeq + start, firstSeq + end) */
  readonly entries: readonly CommittedAuditEntry[];
}

export interface RangeProofView {
  readonly start: number;
  readonly end: number;
  readonly size: number;
  readonly rangeProof: readonly string[];
}

/** An export with proofs (`bella audit list --output json --with-proof`), verified offline by `bella audit verify FILE`. */
export interface ProvedExport {
  readonly format: 'bella-audit-proofs/1';
  readonly checkpoint: CheckpointView;
  readonly entries: readonly (CommittedAuditEntry & { readonly leafIndex: number; readonly inclusionProof: readonly string[] })[];
}

const whole = (name: string) => z.coerce.number({ message: `${name} must be a whole number` }).int(`${name} must be a whole number`);

export const checkpointQuerySchema = z.object({ size: whole('size').min(1).optional(), fresh: z.enum(['true', 'false']).optional() }).strict();
export const proofQuerySchema = z.object({ checkpoint: whole('checkpoint').min(1).optional() }).strict();
export const proofsQuerySchema = z
  .object({
    ids: z
      .string()
      .max(100 * 65, 'ids: at most 100 entry ids')
      .regex(/^[A-Za-z0-9-]{1,64}(,[A-Za-z0-9-]{1,64})*$/, 'ids: entry ids, comma-separated')
      .transform((v) => v.split(',')),
    checkpoint: whole('checkpoint').min(1).optional(),
  })
  .strict();
export const consistencyQuerySchema = z.object({ from: whole('from').min(1), to: whole('to').min(1) }).strict();
export const leavesQuerySchema = z.object({ start: whole('start').min(0), end: whole('end').min(1) }).strict();
export const rangeProofQuerySchema = z.object({ start: whole('start').min(0), end: whole('end').min(1), size: whole('size').min(1) }).strict();
/** An audit entry id (UUIDv7 text), bounded so a hostile path cannot be huge */
export const entryIdParams = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'must be an audit entry id') }).strict();
