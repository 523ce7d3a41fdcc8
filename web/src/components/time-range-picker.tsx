import { useEffect, useState } from 'react';
import { TIME_PRESETS, describeRange, fromLocalInput, rangeKind, toLocalInput, viewerTimeZone } from '../lib/time-range';

export interface TimeRange {
  readonly since?: string;
  readonly until?: string;
}

/**
 * Presets plus a custom range. Custom inputs are in the viewer's zone (named beside them); what
 * goes into the URL and the API is UTC. The summary's title shows the UTC bounds on hover.
 */
export function TimeRangePicker({ value, onChange }: { value: TimeRange; onChange: (v: TimeRange) => void }) {
  const kind = rangeKind(value.since, value.until);
  const [custom, setCustom] = useState(kind === 'custom');
  const [from, setFrom] = useState(toLocalInput(value.since));
  const [to, setTo] = useState(toLocalInput(value.until));

  // Follow the URL when it changes underneath (back button, a pasted link).
  useEffect(() => {
    setCustom(rangeKind(value.since, value.until) === 'custom');
    setFrom(toLocalInput(value.since));
    setTo(toLocalInput(value.until));
  }, [value.since, value.until]);

  const select = custom ? 'custom' : kind === 'preset' ? (value.since as string) : 'all';
  const utcTitle = `UTC: ${value.since ?? 'beginning'} → ${value.until ?? 'now'}`;

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
            const since = fromLocalInput(from);
            const until = fromLocalInput(to);
            onChange({ ...(since ? { since } : {}), ...(until ? { until } : {}) });
          }}
        >
          <label className="field">
            <span>From ({viewerTimeZone()})</span>
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} title={fromLocalInput(from) ?? ''} />
          </label>
          <label className="field">
            <span>To ({viewerTimeZone()})</span>
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} title={fromLocalInput(to) ?? ''} />
          </label>
          <button type="submit" className="btn">
            Apply range
          </button>
        </form>
      ) : null}
      {kind === 'custom' && !custom ? null : kind === 'custom' ? (
        <span className="muted small range-summary" title={utcTitle}>
          {describeRange(value.since, value.until)}
        </span>
      ) : null}
    </div>
  );
}
