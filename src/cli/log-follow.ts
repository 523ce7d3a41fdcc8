import type { AccessEntry, AuditEntry } from '../contract/entries.js';
import { summarizeEntry } from '../contract/event-summary.js';
import { readSse } from '../contract/sse.js';
import { escapeJsonText } from '../contract/text-safety.js';
import type { ApiClient, Query } from './api-client.js';
import { type CommandContext, info, print } from './env.js';
import { CliError, EXIT } from './errors.js';
import type { LogKind } from './log-list.js';
import { shortTime, stdoutIsTerminal, tsvLines } from './log-list.js';
import type { LogListing } from './log-flags.js';
import { colorEnabled, palette, sanitize } from './output/text.js';

/** Waits before reconnecting: 0.5 s, doubling to 5 s while the server stays away. */
const RETRY_MS = [500, 1000, 2000, 5000] as const;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * `--follow`: the live tail (GET …/stream). Entries print as they commit, oldest first. A dropped
 * connection (the server restarted, the network blinked) is resumed after the last seq received
 * (Last-Event-ID), so no entry is lost or printed twice. Ends on Ctrl-C, or after --limit entries.
 * Refusals and bad filters (4xx) end it with their exit code; only an unreachable server is retried.
 */
export async function followLog<T extends { seq: number }>(client: ApiClient, kind: LogKind<T>, listing: LogListing, query: Query, ctx: CommandContext): Promise<void> {
  const line = lineOf(kind, listing, ctx);
  let last: string | null = null;
  let left = listing.limit ?? Number.POSITIVE_INFINITY;
  let failures = 0;
  let lost = false;
  info(ctx, `Following the ${kind.name === 'audit' ? 'Audit' : 'Access'} Log; Ctrl-C to stop.`);
  for (;;) {
    try {
      const headers: Record<string, string> = last !== null ? { 'last-event-id': last } : {};
      const chunks = client.stream(`${kind.path}/stream`, { ...query }, 'GET', 'live tail', headers);
      for await (const ev of readSse(chunks)) {
        if (lost) {
          info(ctx, 'Reconnected.');
          lost = false;
        }
        failures = 0;
        if (ev.id !== null) last = ev.id;
        if (ev.event !== 'message') continue;
        print(ctx, line(JSON.parse(ev.data) as T));
        if (--left <= 0) return;
      }
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.unavailable) throw err;
    }
    // The stream ended (the server shut down) or broke off: resume after the last seq seen.
    if (!lost) info(ctx, 'The connection was lost; reconnecting…');
    lost = true;
    await sleep(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)] as number);
  }
}

/** One printed line per entry: ndjson, tab-separated (piped), or a short line for a person. */
function lineOf<T>(kind: LogKind<T>, listing: LogListing, ctx: CommandContext): (e: T) => string {
  if (listing.format === 'ndjson') return (e) => escapeJsonText(JSON.stringify(e));
  if (!stdoutIsTerminal(ctx)) return (e) => tsvLines(kind.columns, [e])[0] as string;
  const pal = palette(colorEnabled(ctx.env, ctx.io.stdout));
  return (e) => {
    const x = e as unknown as AuditEntry | AccessEntry;
    const where = x.environmentSlug ? `${x.projectSlug ?? '-'}/${x.environmentSlug}` : (x.projectSlug ?? '-');
    if ('event' in x) {
      const outcome = x.outcome === 'Denied' ? pal.red('Denied ') : 'Success';
      return `${shortTime(x.timestamp)}  ${outcome}  ${sanitize(where)}  ${sanitize(summarizeEntry(x))}`;
    }
    const status = x.status >= 400 ? pal.red(String(x.status)) : String(x.status);
    return `${shortTime(x.timestamp)}  ${status}  ${sanitize(where)}  ${sanitize(summarizeEntry(x))}`;
  };
}
