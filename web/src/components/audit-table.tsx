import type { AuditEntry } from '../../../src/contract/entries.js';
import { summarizeEntry } from '../../../src/contract/event-summary.js';
import { Time } from './time';
import { useUtc } from '../lib/time-zone';

/** Who did it, in the fewest words that identify them. */
export function actorLabel(a: AuditEntry['actor']): string {
  return a.email ?? a.name ?? a.id ?? a.type;
}

export function OutcomeBadge({ outcome }: { outcome: AuditEntry['outcome'] }) {
  // Icon + word, never colour alone, so Denied is flagged for colour-blind readers too.
  return outcome === 'Denied' ? (
    <span className="badge badge-denied">
      <svg className="badge-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="2" />
        <path d="M4 8h8" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
      </svg>
      Denied
    </span>
  ) : (
    <span className="badge badge-success">Success</span>
  );
}

/** The product page's fields, newest first; a row's time button opens its detail panel. */
export function AuditTable({
  entries,
  selectedId,
  onOpen,
}: {
  entries: readonly AuditEntry[];
  selectedId: string | null;
  onOpen: (e: AuditEntry) => void;
}) {
  const utc = useUtc();
  return (
    <div className="table-wrap">
      <table className="log-table audit-table">
        <caption className="sr-only">Audit log entries, newest first. Choose an entry's time to see every field.</caption>
        <thead>
          <tr>
            <th scope="col">Time{utc ? ' (UTC)' : ''}</th>
            <th scope="col">Event</th>
            <th scope="col">Actor</th>
            <th scope="col">IP</th>
            <th scope="col">Environment</th>
            <th scope="col">Resource</th>
            <th scope="col">Outcome</th>
            <th scope="col">Request</th>
            <th scope="col">Client</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr
              key={e.id}
              className={`${e.outcome === 'Denied' ? 'row-denied' : ''} ${selectedId === e.id ? 'row-selected' : ''}`.trim() || undefined}
              data-outcome={e.outcome}
              data-seq={e.seq}
              onClick={(ev) => {
                // Clicking anywhere in the row opens it; text selection inside a row does not.
                if (window.getSelection()?.toString()) return;
                if ((ev.target as HTMLElement).closest('button')) return;
                onOpen(e);
              }}
            >
              <td data-label="Time">
                <button type="button" className="link-button" onClick={() => onOpen(e)} data-entry-id={e.id}>
                  <Time iso={e.timestamp} />
                </button>
              </td>
              <td data-label="Event">
                <div>
                  <span className="event-name">{e.event}</span>
                  <div className="summary small">{summarizeEntry(e)}</div>
                </div>
              </td>
              <td data-label="Actor">
                <div>
                  <span className="actor">{actorLabel(e.actor)}</span> <span className="muted small">{e.actor.type}</span>
                </div>
              </td>
              <td data-label="IP" className="mono small">
                {e.actor.ip ?? '—'}
              </td>
              <td data-label="Environment">{e.environmentSlug ?? '—'}</td>
              <td data-label="Resource" className="mono small cell-clip" title={e.resource ?? ''}>
                {e.resource ?? '—'}
              </td>
              <td data-label="Outcome">
                <OutcomeBadge outcome={e.outcome} />
              </td>
              <td data-label="Request" className="mono small cell-clip" title={e.requestId ?? ''}>
                {/* The end of the id tells requests apart (UUIDv7s share their time prefix); request:<last 8+> finds it. */}
                {e.requestId ? `…${e.requestId.slice(-12)}` : '—'}
              </td>
              <td data-label="Client" className="mono small cell-clip" title={e.actor.client ?? ''}>
                {e.actor.client ?? '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
