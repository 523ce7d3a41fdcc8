import { useEffect, useId, useRef, useState } from 'react';
import type { PointerEvent as ReactPointerEvent } from 'react';
import type { Loadable } from '../lib/use-api';
import type { HistogramResponse } from '../lib/histogram-scale';
import { bucketAt, deniedMarkers, describeBucket, layoutBars, niceMax, rangeOfBuckets, totals } from '../lib/histogram-scale';
import { formatTime, plural } from '../lib/time-range';
import { useUtc } from '../lib/time-zone';
import type { TimeRange } from './time-range-picker';

const W = 800;
const H = 120;
/** The Denied lane under the bars: its own scale, so one Denied entry is as visible as a hundred */
const LANE = 16;
const GAP = 6;

/**
 * Events over time for the current filters, Success and Denied stacked, with a Denied lane under
 * the bars that marks every bucket holding a Denied entry however few. Drawn as one SVG with a
 * viewBox so it scales from 390 px to wide screens.
 *
 * - Mouse: hover shows a bar's tooltip; a click narrows the time range to that bar, a drag across
 *   bars to the bars it covers.
 * - Touch: a tap pins the bar's tooltip, with a button to narrow to it; a sideways drag narrows.
 * - Keyboard: the chart is one tab stop; ←/→ (Home/End) move between bars and show their tooltip
 *   (announced), Enter narrows to the bar, Escape hides the tooltip.
 */
export function Histogram({ data, onRange }: { data: Loadable<HistogramResponse>; onRange?: (r: TimeRange) => void }) {
  const utc = useUtc();
  const [active, setActive] = useState<number | null>(null);
  const [pinned, setPinned] = useState(false);
  const [drag, setDrag] = useState<{ from: number; to: number; pointer: string } | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const tipId = useId();

  const buckets = data.status === 'ready' ? data.data.buckets : [];
  const bucketMs = data.status === 'ready' ? data.data.bucketMs : 0;
  // New data (other filters, a narrowed range): the old bar index means nothing.
  useEffect(() => {
    setActive(null);
    setPinned(false);
  }, [data]);

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
  const t = totals(buckets);
  const yMax = niceMax(Math.max(0, ...buckets.map((b) => b.success + b.denied)));
  const bars = layoutBars(buckets, W, H, yMax);
  const markers = deniedMarkers(buckets, LANE);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const total = t.success + t.denied;
  const summary = `${plural(total, 'event')}: ${t.success} Success, ${t.denied} Denied`;
  // Bars shorter than a minute need seconds to tell them apart.
  const fmt = (iso: string) => formatTime(iso, utc, bucketMs < 60_000);
  const zone = utc ? ' UTC' : '';

  const indexAt = (e: ReactPointerEvent) => {
    const r = svgRef.current?.getBoundingClientRect();
    if (!r || r.width === 0) return -1;
    return bucketAt(((e.clientX - r.left) / r.width) * W, W, buckets.length);
  };
  const narrow = (i: number, j: number) => {
    const r = rangeOfBuckets(buckets, bucketMs, i, j);
    if (r && onRange) onRange(r);
  };
  const tip = active !== null ? buckets[active] : undefined;
  const tipText = tip
    ? `${fmt(tip.start)} – ${fmt(new Date(Date.parse(tip.start) + bucketMs).toISOString())}${zone}: ${tip.success.toLocaleString()} Success, ${tip.denied.toLocaleString()} Denied`
    : '';
  const sel = drag && drag.from !== drag.to ? { a: Math.min(drag.from, drag.to), b: Math.max(drag.from, drag.to) } : null;
  const slot = W / Math.max(buckets.length, 1);

  return (
    <figure className="histogram" data-success={t.success} data-denied={t.denied} data-testid="histogram">
      <figcaption className="histogram-caption">
        <span>
          <strong>{total.toLocaleString()}</strong> {total === 1 ? 'event' : 'events'}
        </span>
        <span className="legend">
          <span className="swatch swatch-success" aria-hidden="true" /> Success {t.success.toLocaleString()}
        </span>
        <span className="legend">
          <span className="swatch swatch-denied" aria-hidden="true" /> Denied {t.denied.toLocaleString()}
        </span>
        {buckets.length > 0 ? <span className="muted small">1 bar = {describeBucket(bucketMs)}</span> : null}
        {onRange && buckets.length > 0 ? <span className="muted small histogram-help">Click, tap or drag bars to zoom in</span> : null}
      </figcaption>
      <div
        className="histogram-chart"
        tabIndex={buckets.length > 0 ? 0 : undefined}
        role="group"
        aria-roledescription="chart"
        aria-label={`Histogram of events over time. ${summary}. Use the left and right arrow keys to read each bar${onRange ? ', Enter to show only its time' : ''}.`}
        aria-describedby={tip ? tipId : undefined}
        onKeyDown={(e) => {
          const n = buckets.length;
          if (n === 0) return;
          const move = (i: number) => {
            e.preventDefault();
            setActive(Math.max(0, Math.min(n - 1, i)));
            setPinned(true);
          };
          if (e.key === 'ArrowRight') move(active === null ? 0 : active + 1);
          else if (e.key === 'ArrowLeft') move(active === null ? n - 1 : active - 1);
          else if (e.key === 'Home') move(0);
          else if (e.key === 'End') move(n - 1);
          else if (e.key === 'Enter' && active !== null) {
            e.preventDefault();
            narrow(active, active);
          } else if (e.key === 'Escape' && active !== null) {
            e.stopPropagation();
            setActive(null);
            setPinned(false);
          }
        }}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) {
            setActive(null);
            setPinned(false);
          }
        }}
      >
        <svg
          ref={svgRef}
          viewBox={`0 0 ${W} ${H + GAP + LANE}`}
          preserveAspectRatio="none"
          aria-hidden="true"
          onPointerDown={(e) => {
            const i = indexAt(e);
            if (i < 0) return;
            (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
            setDrag({ from: i, to: i, pointer: e.pointerType });
          }}
          onPointerMove={(e) => {
            const i = indexAt(e);
            if (i < 0) return;
            if (drag) setDrag({ ...drag, to: i });
            else if (e.pointerType === 'mouse' && !pinned) setActive(i);
          }}
          onPointerLeave={() => {
            if (!pinned && !drag) setActive(null);
          }}
          onPointerCancel={() => setDrag(null)}
          onPointerUp={(e) => {
            if (!drag) return;
            const i = indexAt(e);
            const to = i < 0 ? drag.to : i;
            setDrag(null);
            if (to !== drag.from) narrow(drag.from, to);
            else if (drag.pointer === 'mouse') narrow(to, to);
            else {
              // A tap: touch has no hover, so the tap shows the tooltip, with a button to zoom.
              setActive(to);
              setPinned(true);
            }
          }}
        >
          <line x1="0" x2={W} y1={H - 0.5} y2={H - 0.5} className="axis" />
          <line x1="0" x2={W} y1={H / 2} y2={H / 2} className="grid" />
          <rect x="0" y={H + GAP} width={W} height={LANE} className="lane" />
          {sel ? <rect x={sel.a * slot} width={(sel.b - sel.a + 1) * slot} y={0} height={H + GAP + LANE} className="bar-selection" /> : null}
          {bars.map((b, i) => {
            const bucket = buckets[i]!;
            return (
              <g key={bucket.start} className={i === active ? 'bar bar-active' : 'bar'}>
                {/* a full-height target so small bars still respond */}
                <rect x={b.x} width={b.width} y={0} height={H + GAP + LANE} className="bar-hit" />
                {b.successH > 0 ? <rect x={b.x} width={b.width} y={b.successY} height={b.successH} className="bar-success" /> : null}
                {b.deniedH > 0 ? <rect x={b.x} width={b.width} y={b.deniedY} height={b.deniedH} className="bar-denied" /> : null}
                {markers[i]! > 0 ? (
                  <rect x={b.x} width={Math.max(b.width, 3)} y={H + GAP + (LANE - markers[i]!)} height={markers[i]} className="denied-marker" data-denied={bucket.denied} />
                ) : null}
              </g>
            );
          })}
        </svg>
        {tip ? (
          <div
            className="histogram-tip"
            id={tipId}
            role="status"
            data-testid="histogram-tip"
            style={{ left: `${Math.min(85, Math.max(15, ((active! + 0.5) / buckets.length) * 100))}%` }}
          >
            <span>{tipText}</span>
            {pinned && onRange ? (
              <button type="button" className="btn btn-small" onClick={() => narrow(active!, active!)}>
                Show only this time
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="histogram-axis muted small" aria-hidden="true">
        <span>{first ? fmt(first.start) : ''}</span>
        <span>
          max {yMax.toLocaleString()} / bar · <span className="lane-key">▮</span> Denied lane
        </span>
        <span>{last ? `${fmt(last.start)}${zone}` : ''}</span>
      </div>
    </figure>
  );
}
