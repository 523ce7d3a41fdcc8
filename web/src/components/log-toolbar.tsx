import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { LiveState } from '../lib/live-tail';

/**
 * The Live toggle of both log pages: on, new entries matching the filters appear at the top as they
 * are recorded (GET …/stream); the dot and the words say whether the tail is connected.
 */
export function LiveToggle({ on, state, error, onChange }: { on: boolean; state: LiveState; error: string | null; onChange: (on: boolean) => void }) {
  const words = !on ? 'Off' : state === 'live' ? 'Watching for new entries' : state === 'reconnecting' ? 'Reconnecting…' : state === 'off' ? 'Stopped' : 'Connecting…';
  return (
    <div className="live-toggle">
      <button type="button" className={on ? 'btn btn-live btn-live-on' : 'btn btn-live'} aria-pressed={on} onClick={() => onChange(!on)} data-testid="live-toggle">
        <span className={`live-dot live-${on ? state : 'off'}`} aria-hidden="true" />
        Live
      </button>
      <span className="muted small" role="status" data-live-state={on ? state : 'off'}>
        {on ? words : null}
        {on && error && state !== 'live' ? ` (${error})` : null}
      </span>
    </div>
  );
}

/** true while the viewport matches the media query (follows resizes and rotation). */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setMatches(m.matches);
    on();
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, [query]);
  return matches;
}

export const PHONE = '(max-width: 720px)';

/**
 * On a phone the filters and the chart fold behind one button, so the first screen shows entries;
 * on wider screens they are always shown.
 */
export function Collapsible({ label, count, children }: { label: string; count: number; children: ReactNode }) {
  const phone = useMediaQuery(PHONE);
  const [open, setOpen] = useState(false);
  if (!phone) return <>{children}</>;
  return (
    <div className="collapsible">
      <button type="button" className="btn collapsible-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? '▾' : '▸'} {label}
        {count > 0 ? ` (${count} active)` : ''}
      </button>
      {open ? <div className="collapsible-body">{children}</div> : null}
    </div>
  );
}
