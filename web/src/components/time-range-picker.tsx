import { useEffect, useState } from 'react';
import { TIME_PRESETS, describeRange, fromPickerInput, rangeKind, toPickerInput, zoneLabel } from '../lib/time-range';
import { useUtc } from '../lib/time-zone';

export interface TimeRange {
  readonly since?: string;
  readonly until?: string;
}

/**
 * Presets plus a custom range. Custom bounds are typed as "2026-03-01 16:19" (24-hour, the same
 * format as the table) in the zone the page shows, named beside them; what goes into the URL and
 * the API is UTC. Native datetime-local inputs are not used: their format follows the browser's
 * locale (AM/PM in some), which would disagree with the table.
 */
export function TimeRangePicker({ value, onChange }: { value: TimeRange; onChange: (v: TimeRange) => void }) {
  const utc = useUtc();
  const kind = rangeKind(value.since, value.until);
  const [custom, setCustom] = useState(kind === 'custom');
  const [from, setFrom] = useState(toPickerInput(value.since, utc));
  const [to, setTo] = useState(toPickerInput(value.until, utc));
  const [error, setError] = useState<string | null>(null);

  // Follow the URL (back button, a pasted link, a histogram drag) and the zone toggle.
  useEffect(() => {
    setCustom(rangeKind(value.since, value.until) === 'custom');
    setFrom(toPickerInput(value.since, utc));
    setTo(toPickerInput(value.until, utc));
    setError(null);
  }, [value.since, value.until, utc]);

  const select = custom ? 'custom' : kind === 'preset' ? (value.since as string) : 'all';
  const utcTitle = `UTC: ${value.since ?? 'beginning'} → ${value.until ?? 'now'}`;
  const zone = zoneLabel(utc);

  return (
    <div className="time-range">
      <label className="field">
        <span>Time range</span>
        <select
          value={select}
          title={utcTitle}
          onChange={(e) => {
            const v = e.target.value;
            if (v === 'custom') {
              setCustom(true);
              return;
            }
            setCustom(false);
            onChange(v === 'all' ? {} : { since: v });
          }}
        >
          <option value="all">All time</option>
          {TIME_PRESETS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {custom ? (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            const since = fromPickerInput(from, utc);
            const until = fromPickerInput(to, utc);
            const bad = [from && !since ? 'From' : null, to && !until ? 'To' : null].filter(Boolean);
            if (bad.length > 0) {
              setError(`${bad.join(' and ')}: write a date and time as YYYY-MM-DD HH:MM (24-hour, ${zone}).`);
              return;
            }
            setError(null);
            onChange({ ...(since ? { since } : {}), ...(until ? { until } : {}) });
          }}
        >
          <label className="field">
            <span>From ({zone})</span>
            <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD HH:MM" value={from} onChange={(e) => setFrom(e.target.value)} title={fromPickerInput(from, utc) ?? ''} />
          </label>
          <label className="field">
            <span>To ({zone})</span>
            <input type="text" inputMode="numeric" placeholder="YYYY-MM-DD HH:MM" value={to} onChange={(e) => setTo(e.target.value)} title={fromPickerInput(to, utc) ?? ''} />
          </label>
          <button type="submit" className="btn">
            Apply range
          </button>
          {error ? (
            <p className="form-error small" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
      {kind === 'custom' && !custom ? (
        <span className="muted small range-summary" title={utcTitle}>
          {describeRange(value.since, value.until, utc)}
        </span>
      ) : null}
    </div>
  );
}
