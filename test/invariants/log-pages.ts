import { expect } from 'vitest';
import type { ServerProcess } from '../helpers/process.js';

/** The fields the invariant tests read from either log's entries. */
export interface LogEntryLike {
  readonly seq: number;
  readonly requestId: string | null;
  readonly status?: number;
  readonly event?: string;
  readonly resource?: string | null;
  readonly details?: Record<string, unknown>;
}

/** Every entry of a log read through the API (newest first), following the keyset cursor to the end. */
export async function allEntries(srv: ServerProcess, token: string, path: string): Promise<LogEntryLike[]> {
  const out: LogEntryLike[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await srv.request('GET', `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    const body = r.json<{ entries: LogEntryLike[]; nextCursor: string | null }>();
    out.push(...body.entries);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

/** Asserts that a log's seqs are exactly 1..n (no gap, no duplicate). */
export function expectGapFree(entries: readonly LogEntryLike[]): void {
  const seqs = entries.map((e) => e.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
}
