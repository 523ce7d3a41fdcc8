import { setUtc, useUtc } from '../lib/time-zone';
import { formatTime, zoneLabel } from '../lib/time-range';

/**
 * An instant as the page shows every time: one 24-hour format, in the zone the viewer chose; the
 * other zone's reading is in the tooltip, so both are one hover away.
 */
export function Time({ iso, seconds = true }: { iso: string; seconds?: boolean }) {
  const utc = useUtc();
  const other = utc ? `${formatTime(iso, false)} ${zoneLabel(false, new Date(iso))}` : `${formatTime(iso, true)} UTC`;
  return (
    <time dateTime={iso} title={other}>
      {formatTime(iso, utc, seconds)}
    </time>
  );
}

/** Names the zone times are in and switches between the viewer's zone and UTC (kept in localStorage). */
export function TimeZoneToggle() {
  const utc = useUtc();
  return (
    <div className="tz-toggle" role="group" aria-label="Time zone">
      <span className="muted small tz-label" data-testid="time-zone">
        Times in <strong>{zoneLabel(utc)}</strong>
      </span>
      <button type="button" className="btn btn-small" aria-pressed={utc} onClick={() => setUtc(!utc)}>
        {utc ? 'Show local time' : 'Show UTC'}
      </button>
    </div>
  );
}
