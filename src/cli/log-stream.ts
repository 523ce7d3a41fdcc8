import type { ApiClient, Query } from './api-client.js';
import { csvRecord } from './output/csv.js';
import type { Page } from '../contract/entries.js';
import { MAX_PAGE_LIMIT } from '../contract/log-query.js';

/**
 * Pages through a log listing newest first, `cap` entries at most (null = all).
 * Only one page is held at a time, so memory stays constant however long the log is.
 */
export async function* pageThrough<T>(
  client: ApiClient,
  path: string,
  query: Query,
  cap: number | null,
  pageSize: number = MAX_PAGE_LIMIT,
): AsyncGenerator<readonly T[]> {
  let cursor: string | undefined;
  let remaining = cap ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const limit = Math.min(pageSize, remaining);
    const page = await client.get<Page<T>>(path, { ...query, limit, cursor });
    const entries = page.entries.slice(0, limit);
    if (entries.length > 0) yield entries;
    remaining -= entries.length;
    if (page.nextCursor === null || page.entries.length === 0) return;
    cursor = page.nextCursor;
  }
}

/** Reads `actor.email` style column names out of an entry. */
export function fieldAt(entry: unknown, column: string): string | number | null {
  let v: unknown = entry;
  for (const part of column.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined || v === null) return null;
  return typeof v === 'number' ? v : typeof v === 'string' ? v : JSON.stringify(v);
}

/** Serialises entries as they stream by: one JSON array, NDJSON lines, or CSV with a header. */
export interface EntryWriter {
  begin(): string;
  entry(e: unknown): string;
  end(): string;
}

export function jsonWriter(): EntryWriter {
  let first = true;
  return {
    begin: () => '[',
    entry(e) {
      const sep = first ? '\n' : ',\n';
      first = false;
      return `${sep}${JSON.stringify(e)}`;
    },
    end: () => (first ? ']\n' : '\n]\n'),
  };
}

export function ndjsonWriter(): EntryWriter {
  return { begin: () => '', entry: (e) => `${JSON.stringify(e)}\n`, end: () => '' };
}

export function csvWriter(columns: readonly string[], neutralize: boolean): EntryWriter {
  return {
    // Header cells are fixed names, never user data: no neutralisation needed.
    begin: () => csvRecord(columns, false),
    entry: (e) => csvRecord(columns.map((c) => fieldAt(e, c)), neutralize),
    end: () => '',
  };
}
