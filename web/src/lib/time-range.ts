import { parseTimeBound } from '../../../src/contract/time.js';

/**
 * Time ranges as the URL and the API carry them. Presets travel as durations (since=24h) which
 * the server resolves against its own clock, so a shared link means "the last 24 hours" whenever it
 * is opened; a custom range travels as two UTC instants.
 *
 * Every time the WebApp shows or reads is in one zone, the viewer's or UTC (the toggle of
 * lib/time-zone.ts), and in one 24-hour format: 2026-03-01 16:19:05.
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

/** The wall-clock parts of an instant in the viewer's zone or in UTC. */
function parts(d: Date, utc: boolean) {
  return utc
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}

/** The one display format: "2026-03-01 16:19:05" (24-hour), in the viewer's zone or UTC. */
export function formatTime(iso: string, utc: boolean, withSeconds = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = parts(d, utc);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}${withSeconds ? `:${pad(p.s)}` : ''}`;
}

/** An instant as the text of a picker input ("2026-03-01 16:19"), in the chosen zone. */
export function toPickerInput(iso: string | undefined, utc: boolean, now: Date = new Date()): string {
  if (!iso) return '';
  const d = parseTimeBound(iso, now);
  return d ? formatTime(d.toISOString(), utc, false) : '';
}

const PICKER_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A picker's text ("2026-03-01 16:19", "2026-03-01", seconds optional) read in the chosen zone, as a
 * UTC ISO instant; undefined when empty or not a real date and time (2026-02-31, 24:00, …).
 */
export function fromPickerInput(value: string, utc: boolean): string | undefined {
  const m = PICKER_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date rolls 2026-02-31 over to March: refuse what does not read back as written.
  const back = parts(date, utc);
  if (back.y !== y || back.mo !== mo || back.d !== d) return undefined;
  return date.toISOString();
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

/** The viewer's offset from UTC at an instant, as "UTC+01:00". */
export function utcOffset(at: Date = new Date()): string {
  const min = -at.getTimezoneOffset();
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The zone times are shown in, as the page names it: "UTC" or "Europe/Berlin (UTC+01:00)". */
export function zoneLabel(utc: boolean, at: Date = new Date()): string {
  return utc ? 'UTC' : `${viewerTimeZone()} (${utcOffset(at)})`;
}

/** A readable label for any range the URL can carry, in the chosen zone. */
export function describeRange(since: string | undefined, until: string | undefined, utc = false, now: Date = new Date()): string {
  const kind = rangeKind(since, until);
  if (kind === 'all') return 'All time';
  if (kind === 'preset') return TIME_PRESETS.find((p) => p.value === since)?.label ?? since ?? '';
  const s = since ? parseTimeBound(since, now) : null;
  const u = until ? parseTimeBound(until, now) : null;
  const fmt = (d: Date) => formatTime(d.toISOString(), utc, false);
  const z = utc ? ' UTC' : '';
  if (s && u) return `${fmt(s)} – ${fmt(u)}${z}`;
  if (s) return `Since ${fmt(s)}${z}`;
  if (u) return `Before ${fmt(u)}${z}`;
  return 'Custom range';
}

/** "1 event", "2 events", "6,299 events". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
