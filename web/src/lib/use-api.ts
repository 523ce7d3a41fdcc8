import { useCallback, useEffect, useRef, useState } from 'react';
import { apiJson } from '../api/client';
import { mergeNewest } from './live-tail';

export type Loadable<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: Error }
  | { readonly status: 'ready'; readonly data: T };

/** Fetches JSON for a path and refetches when the path changes; stale answers are aborted. */
export function useApi<T>(path: string | null): Loadable<T> & { reload: () => void; refresh: () => void } {
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  useEffect(() => {
    current.current = path;
    if (path === null) return;
    const ctrl = new AbortController();
    setState({ status: 'loading' });
    apiJson<T>(path, ctrl.signal).then(
      (data) => setState({ status: 'ready', data }),
      (error: Error) => {
        if (error.name !== 'AbortError') setState({ status: 'error', error });
      },
    );
    return () => ctrl.abort();
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  /** Refetches in the background, keeping what is shown until the answer (no loading state); errors keep the old data. */
  const refresh = useCallback(() => {
    if (path === null) return;
    apiJson<T>(path).then(
      (data) => {
        if (current.current === path) setState({ status: 'ready', data });
      },
      () => {},
    );
  }, [path]);
  return { ...state, reload, refresh };
}

export interface InfiniteLog<T> {
  readonly entries: readonly T[];
  readonly status: 'loading' | 'ready' | 'error';
  readonly error: Error | null;
  /** true while a next page exists (the server gave a cursor) */
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
  /** puts entries that arrived live on top (newest first), skipping any already shown */
  readonly prepend: (incoming: readonly T[]) => void;
}

interface PageBody<T> {
  readonly entries: readonly T[];
  readonly nextCursor: string | null;
}

/**
 * Keyset-paged log: the first page for `basePath`, then `&cursor=` pages on demand. No counts and
 * no page numbers: each page costs the server one index range scan however deep the user scrolls.
 */
export function useInfiniteLog<T extends { id: string; seq: number }>(basePath: string): InfiniteLog<T> {
  const [entries, setEntries] = useState<readonly T[]>([]);
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<Error | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [tick, setTick] = useState(0);
  // The path a page was requested for: answers for an older filter set are dropped.
  const current = useRef(basePath);

  useEffect(() => {
    current.current = basePath;
    const ctrl = new AbortController();
    setStatus('loading');
    setEntries([]);
    setCursor(null);
    setError(null);
    apiJson<PageBody<T>>(basePath, ctrl.signal).then(
      (body) => {
        setEntries(body.entries);
        setCursor(body.nextCursor);
        setStatus('ready');
      },
      (e: Error) => {
        if (e.name === 'AbortError') return;
        setError(e);
        setStatus('error');
      },
    );
    return () => ctrl.abort();
  }, [basePath, tick]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore || status !== 'ready') return;
    const path = basePath;
    setLoadingMore(true);
    apiJson<PageBody<T>>(`${basePath}&cursor=${encodeURIComponent(cursor)}`).then(
      (body) => {
        if (current.current !== path) return;
        setEntries((prev) => [...prev, ...body.entries]);
        setCursor(body.nextCursor);
        setLoadingMore(false);
      },
      (e: Error) => {
        if (current.current !== path) return;
        setError(e);
        setLoadingMore(false);
      },
    );
  }, [basePath, cursor, loadingMore, status]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const prepend = useCallback((incoming: readonly T[]) => setEntries((prev) => mergeNewest(prev, incoming)), []);
  return { entries, status, error, hasMore: cursor !== null, loadingMore, loadMore, reload, prepend };
}
