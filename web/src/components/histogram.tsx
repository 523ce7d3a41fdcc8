import type { Loadable } from '../lib/use-api';
import type { HistogramResponse } from '../lib/histogram-scale';
import { describeBucket, layoutBars, niceMax, totals } from '../lib/histogram-scale';
import { formatLocal } from '../lib/time-range';

const W = 800;
const H = 120;

/**
 * Events over time for the current filters, Success and Denied stacked. Drawn as one SVG with a
 * viewBox so it scales from 390 px to wide screens; each bar carries a <title> with its exact
 * counts and local start time, and the figure's caption states the totals in words.
 */
export function Histogram({ data }: { data: Loadable<HistogramResponse> }) {
  if (data.status === 'loading') {
    return (
      <figure className="histogram histogram-loading" aria-busy="true">
        <div className="histogram-placeholder">Loading activity…</div>
      </figure>
    );
  }
  if (data.status === 'error') {
    return (
      <figure className="histogram">
        <div className="histogram-placeholder" role="alert">
          Activity chart unavailable: {data.error.message}
        </div>
      </figure>
    );
  }
  const { buckets, bucketMs } = data.data;
  const t = totals(buckets);
  const yMax = niceMax(Math.max(0, ...buckets.map((b) => b.success + b.denied)));
  const bars = layoutBars(buckets, W, H, yMax);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const summary = `${t.success + t.denied} events: ${t.success} Success, ${t.denied} Denied`;
  return (
    <figure className="histogram" data-success={t.success} data-denied={t.denied} data-testid="histogram">
      <figcaption className="histogram-caption">
        <span>
          <strong>{(t.success + t.denied).toLocaleString()}</strong> events
        </span>
        <span className="legend">
          <span className="swatch swatch-success" aria-hidden="true" /> Success {t.success.toLocaleString()}
        </span>
        <span className="legend">
          <span className="swatch swatch-denied" aria-hidden="true" /> Denied {t.denied.toLocaleString()}
        </span>
        {buckets.length > 0 ? <span className="muted small">1 bar = {describeBucket(bucketMs)}</span> : null}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Histogram of events over time. ${summary}`}>
        <line x1="0" x2={W} y1={H - 0.5} y2={H - 0.5} className="axis" />
        <line x1="0" x2={W} y1={H / 2} y2={H / 2} className="grid" />
        {bars.map((b, i) => {
          const bucket = buckets[i]!;
          return (
            <g key={bucket.start}>
              <title>{`${formatLocal(bucket.start, false)} (UTC ${bucket.start}): ${bucket.success} Success, ${bucket.denied} Denied`}</title>
              {/* an invisible full-height target so small bars still show their tooltip */}
              <rect x={b.x} width={b.width} y={0} height={H} className="bar-hit" />
              {b.successH > 0 ? <rect x={b.x} width={b.width} y={b.successY} height={b.successH} className="bar-success" /> : null}
              {b.deniedH > 0 ? <rect x={b.x} width={b.width} y={b.deniedY} height={b.deniedH} className="bar-denied" /> : null}
            </g>
          );
        })}
      </svg>
      <div className="histogram-axis muted small" aria-hidden="true">
        <span title={first?.start}>{first ? formatLocal(first.start, false) : ''}</span>
        <span>max {yMax.toLocaleString()} / bar</span>
        <span title={last?.start}>{last ? formatLocal(last.start, false) : ''}</span>
      </div>
    </figure>
  );
}
