import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

/**
 * A side panel (full screen on phones) used as a modal dialog: focus moves into it on open,
 * Escape or the close button closes it, and focus returns to whatever opened it.
 */
export function DetailPanel({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      if (e.key === 'Tab' && panelRef.current) trapTab(e, panelRef.current);
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (opener && document.contains(opener)) opener.focus();
    };
  }, [onClose]);

  return (
    <div className="panel-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="panel" role="dialog" aria-modal="true" aria-labelledby="panel-title" ref={panelRef}>
        <div className="panel-head">
          <h2 id="panel-title" className="panel-title">
            {title}
          </h2>
          <button ref={closeRef} type="button" className="btn btn-ghost" onClick={onClose} aria-label="Close details">
            ✕
          </button>
        </div>
        <div className="panel-body">{children}</div>
      </div>
    </div>
  );
}

/** Keeps Tab and Shift+Tab inside the dialog while it is open. */
function trapTab(e: KeyboardEvent, root: HTMLElement) {
  const focusable = root.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])');
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/** A definition list row that shows "—" for nulls so every field is visibly present. */
export function Field({ label, children, mono }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <div className="dl-row">
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{children === null || children === undefined || children === '' ? '—' : children}</dd>
    </div>
  );
}

/** The entry's permalink (this page's address without the list filters), with a copy button. */
export function PermalinkField() {
  const [copied, setCopied] = useState(false);
  const url = `${window.location.origin}${window.location.pathname}`;
  return (
    <div className="permalink">
      <span className="muted small">Permalink</span>{' '}
      <a href={url} className="mono small permalink-url" data-testid="permalink">
        {url}
      </a>{' '}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          void navigator.clipboard?.writeText(url).then(() => setCopied(true), () => setCopied(false));
        }}
      >
        {copied ? 'Copied' : 'Copy link'}
      </button>
    </div>
  );
}
