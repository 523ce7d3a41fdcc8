/**
 * Time parsing shared by the server, the CLI and the WebApp. Accepted forms:
 * a date (2026-03-01, read as UTC midnight), an ISO 8601 date-time with a zone (2026-03-01T12:00:00Z,
 * 2026-03-01T12:00:00.000+02:00), or a duration back from now (30s, 15m, 24h, 7d, 2w).
 */
export const TIME_FORMS_HELP =
  'a date (2026-03-01, UTC midnight), an ISO 8601 date-time with zone (2026-03-01T12:00:00Z), or a duration back from now (30s, 15m, 24h, 7d, 2w)';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DURATION_RE = /^(\d{1,9})(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** Returns the instant as a Date, or null when the text is in none of the accepted forms. */
export function parseTimeBound(text: string, now: Date): Date | null {
  const t = text.trim();
  const dur = DURATION_RE.exec(t);
  if (dur) {
    const ms = Number(dur[1]) * (UNIT_MS[dur[2] as string] as number);
    const d = new Date(now.getTime() - ms);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const date = DATE_RE.exec(t);
  if (date) {
    const d = new Date(`${t}T00:00:00.000Z`);
    // Reject 2026-02-31 and friends: Date would silently roll them over.
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== t) return null;
    return d;
  }
  if (DATETIME_RE.test(t)) {
    const d = new Date(t);
    if (Number.isNaN(d.getTime())) return null;
    const [y, mo, da] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
    // Reject 2026-02-31T…: Date would roll it over to March. Day 0 of the next month is this month's last day.
    if (mo < 1 || mo > 12 || da < 1 || da > new Date(Date.UTC(y, mo, 0)).getUTCDate() || y < 1970) return null;
    const hh = Number(t.slice(11, 13));
    const mi = Number(t.slice(14, 16));
    if (hh > 23 || mi > 59) return null;
    return d;
  }
  return null;
}

/** UTC ISO 8601 with milliseconds: the only time format on the wire and in exports. */
export function toIso(d: Date): string {
  return d.toISOString();
}
