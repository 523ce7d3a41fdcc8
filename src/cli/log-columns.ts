import type { AccessEntry, Actor, AuditEntry } from '../contract/entries.js';
import type { Column } from './output/table.js';

/** `2026-03-01 12:00:00`: the header says UTC, so the zone and milliseconds are left out to save width. */
export function shortTime(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso;
}

/** Who acted, in one cell: a user's email, else `ApiKey:<name or id>`, `System`, `Anonymous`. */
export function actorLabel(a: Actor): string {
  const who = a.email ?? a.name ?? a.id;
  if (a.type === 'User') return who ?? 'User';
  return who ? `${a.type}:${who}` : a.type;
}

const dash = (v: string | null) => v ?? '-';

/** Columns of `bella audit list`; request id goes first when the terminal is narrow, then environment, then project. */
export const AUDIT_COLUMNS: readonly Column<AuditEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp) },
  // Event names are never cut: they are what people scan for.
  { header: 'EVENT', value: (e) => e.event },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 10 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 2 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 3 },
  { header: 'RESOURCE', value: (e) => dash(e.resource), min: 10 },
  {
    header: 'OUTCOME',
    value: (e) => e.outcome,
    paint: (e, p) => (e.outcome === 'Denied' ? p.red : null),
  },
  { header: 'REQUEST ID', value: (e) => dash(e.requestId), min: 8, drop: 4 },
];

/** Columns of `bella access list`; refusals (401/403) and server errors are painted like Denied. */
export const ACCESS_COLUMNS: readonly Column<AccessEntry>[] = [
  { header: 'TIME (UTC)', value: (e) => shortTime(e.timestamp) },
  { header: 'METHOD', value: (e) => e.method },
  { header: 'STATUS', value: (e) => String(e.status), paint: (e, p) => (e.status >= 400 ? p.red : null) },
  { header: 'MS', value: (e) => String(Math.round(e.durationMs)), drop: 1 },
  { header: 'PATH', value: (e) => e.path, min: 24 },
  { header: 'ACTOR', value: (e) => actorLabel(e.actor), min: 8 },
  { header: 'PROJECT', value: (e) => dash(e.projectSlug), min: 6, drop: 2 },
  { header: 'ENV', value: (e) => dash(e.environmentSlug), min: 5, drop: 3 },
  { header: 'REQUEST ID', value: (e) => e.requestId, min: 8, drop: 4 },
];
