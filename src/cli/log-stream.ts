import type { ApiClient, Query } from './api-client.js';
import type { Page } from '../contract/entries.js';
import { MAX_PAGE_LIMIT } from '../contract/log-query.js';

/**
 * Pages through a log listing newest first (the table; json, csv and ndjson stream from the export
 * endpoint instead, see log-list.ts), `cap` entries at most (null = all).
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
