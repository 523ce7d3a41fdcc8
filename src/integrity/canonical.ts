import { hash, randomBytes } from 'node:crypto';

/**
 * The canonical form of an Audit Log entry: what its Merkle leaf commits to (docs/verification.md).
 *
 * Version 1 is the UTF-8 bytes of a JSON array without whitespace: the version tag, then the fields of
 * CANONICAL_FIELDS_V1 in that order. Absent values are `null`; strings are JSON strings as JSON.stringify
 * writes them; seq is a JSON integer; details is canonical JSON (object keys sorted by UTF-16 code
 * unit, recursively). The personal fields (actor email, name and IP) are not in it: the leaf commits to
 * them through `actor.personal`, a salted hash kept beside the entry, so erasing the salt and the fields
 * later (GDPR) leaves every leaf, checkpoint and proof valid.
 */
export const CANONICAL_VERSION_V1 = 'bella-audit-entry/1';

/** What an entry must carry to be committed (structurally an AuditEntry plus its personal commitment). */
export interface CommittedEntry {
  readonly seq: number;
  readonly id: string;
  readonly timestamp: string;
  readonly event: string;
  readonly actor: {
    readonly type: string;
    readonly id: string | null;
    /** The calling application (X-App-Client / X-Bella-Client); absent is null */
    readonly client?: string | null;
    readonly email: string | null;
    readonly name: string | null;
    readonly ip: string | null;
  };
  readonly projectSlug: string | null;
  readonly environmentSlug: string | null;
  readonly resource: string | null;
  readonly outcome: string;
  readonly requestId: string | null;
  readonly userAgent: string | null;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
  /** hex SHA-256 of the personal fields with their salt (personalCommitment) */
  readonly personalHash: string;
}

type Field = readonly [name: string, value: (e: CommittedEntry) => unknown];

/**
 * Version 1's fields, in order. The list is explicit so that a field is added by appending a line here
 * (and a new version tag when entries of the old version already exist); a verifier names the field
 * by the name in this list.
 */
export const CANONICAL_FIELDS_V1: readonly Field[] = [
  ['seq', (e) => e.seq],
  ['id', (e) => e.id],
  ['timestamp', (e) => e.timestamp],
  ['event', (e) => e.event],
  ['actor.type', (e) => e.actor.type],
  ['actor.id', (e) => e.actor.id],
  ['actor.client', (e) => e.actor.client ?? null],
  ['actor.personal', (e) => e.personalHash],
  ['projectSlug', (e) => e.projectSlug],
  ['environmentSlug', (e) => e.environmentSlug],
  ['resource', (e) => e.resource],
  ['outcome', (e) => e.outcome],
  ['requestId', (e) => e.requestId],
  ['userAgent', (e) => e.userAgent],
  ['reason', (e) => e.reason],
  ['details', (e) => e.details],
];

const SURROGATE = /[\uD800-\uDFFF]/;
/**
 * A string as both stores give it back: a lone UTF-16 surrogate cannot be stored as UTF-8 and comes
 * back as U+FFFD, so the leaf is computed from that form.
 */
const wellFormed = (s: string): string => (SURROGATE.test(s) ? s.replace(/\p{Cs}/gu, '\uFFFD') : s);

/**
 * Canonical JSON: no whitespace, object keys sorted by UTF-16 code unit, undefined members dropped,
 * strings as JSON.stringify writes them (lone surrogates as U+FFFD).
 */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(wellFormed(v));
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError('a non-finite number has no canonical JSON form');
    return JSON.stringify(v);
  }
  if (typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(wellFormed(k))}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw new TypeError(`a ${typeof v} has no canonical JSON form`);
}

/** The getters of every field but the last (details), and the last: the fast path's split of CANONICAL_FIELDS_V1. */
const HEAD_GETTERS = CANONICAL_FIELDS_V1.slice(0, -1).map(([, get]) => get);
const LAST_FIELD = CANONICAL_FIELDS_V1[CANONICAL_FIELDS_V1.length - 1] as Field;

/** The canonical text of an entry (version 1): its UTF-8 bytes are canonicalEntry. */
function canonicalText(e: CommittedEntry): string {
  // Fast path: every field but details is a string, a number or null, which JSON.stringify writes
  // exactly as canonicalJson does, unless a lone surrogate is escaped (`\udXXX`): then the slow path.
  const n = HEAD_GETTERS.length;
  const values: unknown[] = new Array(n + 1);
  values[0] = CANONICAL_VERSION_V1;
  let plain = LAST_FIELD[0] === 'details';
  for (let i = 0; i < n; i++) {
    const v = (HEAD_GETTERS[i] as Field[1])(e) ?? null;
    if (v !== null && typeof v !== 'string' && !Number.isFinite(v)) plain = false;
    values[i + 1] = v;
  }
  if (plain) {
    const head = JSON.stringify(values);
    if (!head.includes('\\ud')) return `${head.slice(0, -1)},${canonicalJson(LAST_FIELD[1](e))}]`;
  }
  const parts = [JSON.stringify(CANONICAL_VERSION_V1)];
  for (const [, get] of CANONICAL_FIELDS_V1) parts.push(canonicalJson(get(e)));
  return `[${parts.join(',')}]`;
}

/** The canonical bytes of an entry (version 1). */
export const canonicalEntry = (e: CommittedEntry): Buffer => Buffer.from(canonicalText(e), 'utf8');

/**
 * The entry's Merkle leaf hash: SHA-256(0x00 ‖ canonical(entry)), as leafHash (hash.ts) computes it.
 * One-shot over the text (U+0000 is the byte 0x00 in UTF-8, and the canonical text holds no lone
 * surrogate, so its UTF-8 encoding is exactly canonicalEntry): no Buffer of the text, no Hash object.
 * (Hex then decoded: on Node 20 crypto.hash's 'buffer' output costs more than the hex round trip.)
 */
export const entryLeafHash = (e: CommittedEntry): Buffer => Buffer.from(hash('sha256', `\0${canonicalText(e)}`, 'hex'), 'hex');

/** What every canonical text starts with, up to its seq: `["bella-audit-entry/1",`. */
export const CANONICAL_SEQ_PREFIX = `[${JSON.stringify(CANONICAL_VERSION_V1)},`;

/**
 * The canonical bytes that follow the seq (from the comma after it to the closing bracket), so that
 * the leaf can be computed by whoever assigns the seq: entryLeafHash(e) = SHA-256(0x00 ‖
 * CANONICAL_SEQ_PREFIX ‖ decimal seq ‖ leafSuffix(e)), whatever e.seq was. PostgreSQL's
 * bella_number_logs() numbers a batch's rows this way (store/postgres/schema.ts, migration 14).
 */
export function leafSuffix(e: CommittedEntry): Buffer {
  const text = canonicalText(e);
  const head = CANONICAL_SEQ_PREFIX + JSON.stringify(e.seq);
  if (!text.startsWith(head) || text[head.length] !== ',') throw new Error('the canonical text does not start with its version and seq');
  return Buffer.from(text.slice(head.length), 'utf8');
}

export const PERSONAL_VERSION_V1 = 'bella-personal/1';
/** Bytes of salt per entry: enough that the commitment of a guessable value (an IP) cannot be brute-forced. */
export const SALT_BYTES = 16;

/**
 * The salted commitment to an entry's personal fields:
 * hex(SHA-256("bella-personal/1" ‖ 0x00 ‖ salt ‖ UTF-8 canonicalJson([email, name, ip]))).
 */
export function personalCommitment(salt: Uint8Array, actor: { readonly email: string | null; readonly name: string | null; readonly ip: string | null }): string {
  const fields = canonicalJson([actor.email, actor.name, actor.ip]);
  const at = PERSONAL_PREFIX.length + salt.length;
  // The usual commitment is built in a scratch buffer (one copy, no concat) and hashed one-shot.
  if (at + fields.length * 3 <= personalScratch.length) {
    personalScratch.set(salt, PERSONAL_PREFIX.length);
    const end = at + personalScratch.write(fields, at, 'utf8');
    return hash('sha256', personalScratch.subarray(0, end), 'hex');
  }
  return hash('sha256', Buffer.concat([PERSONAL_PREFIX, salt, Buffer.from(fields, 'utf8')]), 'hex');
}
const PERSONAL_PREFIX = Buffer.from(`${PERSONAL_VERSION_V1}\0`, 'utf8');
/** PERSONAL_PREFIX, then the salt and the fields of one commitment at a time (used synchronously only). */
const personalScratch = Buffer.alloc(2048);
PERSONAL_PREFIX.copy(personalScratch);

export const newSalt = (): Buffer => randomBytes(SALT_BYTES);

/** Salts for a batch drawn at once (one call into the CSPRNG per batch, not per row). */
export function newSalts(n: number): Buffer[] {
  const pool = randomBytes(SALT_BYTES * n);
  return Array.from({ length: n }, (_, i) => pool.subarray(i * SALT_BYTES, (i + 1) * SALT_BYTES));
}
