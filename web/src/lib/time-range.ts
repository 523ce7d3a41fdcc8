import { parseTimeBound } from '../../../src/contract/time.js';

/**
 * Time ranges as the URL and the API carry them. Presets travel as durations (since=24h) which
 * the server resolves against its own clock, so a shared link means "the last 24 hours" whenever it
 * is opened; a custom range travels as two UTC instants.
 */
export const TIME_PRESETS = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
] as const;

export type RangeKind = 'all' | 'preset' | 'custom';

export function rangeKind(since: string | undefined, until: string | undefined): RangeKind {
  if (since === undefined && until === undefined) return 'all';
  if (until === undefined && TIME_PRESETS.some((p) => p.value === since)) return 'preset';
  return 'custom';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as the value of <input type="datetime-local">, which is in the viewer's zone. */
export function toLocalInput(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return '';
  const d = parseTimeBound(iso, now);
  if (!d) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (viewer's zone) as a UTC ISO instant, or undefined when empty/invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value); // no zone suffix: the platform reads it as local time
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Viewer-zone display of a UTC instant; the UTC original goes into a title for hover. */
export function formatLocal(iso: string, withSeconds = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
    hour12: false,
  });
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

/** A readable label for any range the URL can carry, in the viewer's zone. */
export function describeRange(since: string | undefined, until: string | undefined, now: Date = new Date()): string {
  const kind = rangeKind(since, until);
  if (kind === 'all') return 'All time';
  if (kind === 'preset') return TIME_PRESETS.find((p) => p.value === since)?.label ?? since ?? '';
  const s = since ? parseTimeBound(since, now) : null;
  const u = until ? parseTimeBound(until, now) : null;
  const fmt = (d: Date) => formatLocal(d.toISOString(), false);
  if (s && u) return `${fmt(s)} – ${fmt(u)}`;
  if (s) return `Since ${fmt(s)}`;
  if (u) return `Before ${fmt(u)}`;
  return 'Custom range';
}
