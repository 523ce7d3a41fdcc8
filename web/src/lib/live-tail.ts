import { useEffect, useRef, useState } from 'react';
import { apiFetch } from '../api/client';
import { readSse } from '../../../src/contract/sse.js';

/**
 * The Live toggle's connection to GET /api/v1/{audit,access}-logs/stream (Server-Sent Events, one
 * `id: <seq>` event per new matching entry). It is read with fetch rather than EventSource because
 * EventSource cannot send the Authorization header, and the session token must not travel in a
 * URL (the Access Log records paths). Frames are parsed by the same reader as the CLI's --follow
 * (src/contract/sse.ts). It resumes after a dropped connection with Last-Event-ID = the last seq
 * seen, as EventSource would, so nothing is lost or repeated.
 */
/** A fetch body as the async iterable contract/sse.ts reads (not every browser iterates streams). */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';

/**
 * While `path` is non-null, tails it after `after` (the newest seq the page shows) and hands each
 * new entry to onEntry, oldest first. Reconnects after 1 s, then up to 15 s, resuming after the last
 * seq delivered. A new path (other filters) starts a new tail.
 */
export function useLiveTail<T>(path: string | null, after: number | null, onEntry: (e: T) => void): { state: LiveState; error: string | null } {
  const [state, setState] = useState<LiveState>('off');
  const [error, setError] = useState<string | null>(null);
  const cb = useRef(onEntry);
  cb.current = onEntry;
  // The starting seq is read once per path: later pages loaded below do not restart the tail.
  const start = useRef(after);
  start.current = after;

  useEffect(() => {
    if (path === null) {
      setState('off');
      return;
    }
    const ctrl = new AbortController();
    let last: string | null = start.current === null ? null : String(start.current);
    let delay = 1000;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const connect = async () => {
      setState(last === null ? 'connecting' : 'reconnecting');
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        if (last !== null) headers['Last-Event-ID'] = last;
        const res = await apiFetch(path, { headers }, ctrl.signal);
        if (!res.body) throw new Error('the browser gave no stream body');
        setState('live');
        setError(null);
        delay = 1000;
        for await (const ev of readSse(chunksOf(res.body))) {
          if (ev.event !== 'message') continue; // heartbeats and notes are comments
          if (ev.id !== null) last = ev.id;
          try {
            cb.current(JSON.parse(ev.data) as T);
          } catch {
            // A frame that is not an entry (none is sent today) is skipped, not fatal.
          }
        }
      } catch (e) {
        if ((e as Error).name === 'AbortError') return;
        setError((e as Error).message);
        const status = (e as { status?: number }).status;
        // A refusal or a bad filter will not heal by retrying.
        if (status !== undefined && status >= 400 && status < 500) {
          setState('off');
          return;
        }
      }
      if (ctrl.signal.aborted) return;
      setState('reconnecting');
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, 15_000);
    };
    void connect();
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path]);

  return { state: path === null ? 'off' : state, error };
}

/** New entries on top, newest first, without any already shown (by id). */
export function mergeNewest<T extends { id: string; seq: number }>(shown: readonly T[], incoming: readonly T[]): T[] {
  const ids = new Set(shown.map((e) => e.id));
  const fresh = incoming.filter((e) => !ids.has(e.id) && (ids.add(e.id), true));
  return [...fresh.sort((a, b) => b.seq - a.seq), ...shown];
}
