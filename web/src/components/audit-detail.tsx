import type { AccessEntry, AuditEntry } from '../../../src/contract/entries.js';
import { EVENT_CATALOG } from '../../../src/contract/events.js';
import { useApi } from '../lib/use-api';
import { Time } from './time';
import { DetailPanel, Field, PermalinkField } from './detail-panel';
import { summarizeEntry } from '../../../src/contract/event-summary.js';
import { OutcomeBadge } from './audit-table';
import type { AuditFilters } from '../lib/log-filters';

/**
 * Every field of one audit entry, its reason and details, and the Access Log rows of the same
 * request (the requestId ties them together), with one-click filters to pivot the investigation.
 */
export function AuditDetail({
  entry,
  onClose,
  onFilter,
}: {
  entry: AuditEntry;
  onClose: () => void;
  onFilter: (patch: Partial<AuditFilters>) => void;
}) {
  const q = new URLSearchParams();
  if (entry.requestId) q.set('requestId', entry.requestId);
  if (entry.projectSlug) q.set('project', entry.projectSlug);
  q.set('limit', '50');
  const access = useApi<{ entries: AccessEntry[] }>(entry.requestId ? `/api/v1/access-logs?${q.toString()}` : null);
  const a = entry.actor;
  return (
    <DetailPanel title={entry.event} onClose={onClose}>
      <p className="detail-summary" data-testid="detail-summary">
        {summarizeEntry(entry)}
      </p>
      <p className="muted">{EVENT_CATALOG[entry.event]?.description}</p>
      <PermalinkField />
      <dl className="dl">
        <Field label="Timestamp">
          <Time iso={entry.timestamp} />
          <div className="mono small muted">{entry.timestamp}</div>
        </Field>
        <Field label="Event">{entry.event}</Field>
        <Field label="Outcome">
          <OutcomeBadge outcome={entry.outcome} />
        </Field>
        <Field label="Reason" mono>
          {entry.reason}
        </Field>
        <Field label="Actor type">{a.type}</Field>
        <Field label="Actor email">{a.email}</Field>
        <Field label="Actor name">{a.name}</Field>
        <Field label="Actor id" mono>
          {a.id}
        </Field>
        <Field label="Actor IP" mono>
          {a.ip}
        </Field>
        <Field label="Client" mono>
          {a.client ?? null}
        </Field>
        <Field label="Project">{entry.projectSlug}</Field>
        <Field label="Environment">{entry.environmentSlug}</Field>
        <Field label="Resource" mono>
          {entry.resource}
        </Field>
        <Field label="Request id" mono>
          {entry.requestId}
        </Field>
        <Field label="User agent" mono>
          {entry.userAgent}
        </Field>
        <Field label="Entry id" mono>
          {entry.id}
        </Field>
        <Field label="Sequence" mono>
          {entry.seq}
        </Field>
      </dl>
      <h3>Details</h3>
      {Object.keys(entry.details).length > 0 ? (
        <pre className="details-json">{JSON.stringify(entry.details, null, 2)}</pre>
      ) : (
        <p className="muted">No details recorded for this entry.</p>
      )}
      <div className="pivot-buttons">
        {a.email || a.name || a.id ? (
          <button type="button" className="btn btn-small" onClick={() => onFilter({ actor: a.email ?? a.name ?? a.id ?? undefined })}>
            Only this actor
          </button>
        ) : null}
        {entry.resource ? (
          <button type="button" className="btn btn-small" onClick={() => onFilter({ resource: entry.resource ?? undefined })}>
            Only this resource
          </button>
        ) : null}
        {entry.requestId ? (
          <button type="button" className="btn btn-small" onClick={() => onFilter({ requestId: entry.requestId ?? undefined })}>
            Only this request
          </button>
        ) : null}
        {a.client ? (
          <button type="button" className="btn btn-small" onClick={() => onFilter({ client: a.client ?? undefined })}>
            Only this client
          </button>
        ) : null}
      </div>
      <h3>Access Log rows for this request</h3>
      {!entry.requestId ? (
        <p className="muted">This entry has no request id (it was recorded by the server itself).</p>
      ) : access.status === 'loading' ? (
        <p className="muted" role="status">
          Loading access rows…
        </p>
      ) : access.status === 'error' ? (
        <p className="form-error" role="alert">
          Could not load access rows: {access.error.message}
        </p>
      ) : access.data.entries.length === 0 ? (
        <p className="muted">No Access Log row shares this request id (it may have passed its 90-day retention).</p>
      ) : (
        <ul className="access-rows" data-testid="detail-access-rows">
          {access.data.entries.map((r) => (
            <li key={r.id}>
              <span className="mono">
                {r.method} {r.route ?? r.path}
              </span>{' '}
              <span className={r.status >= 400 ? 'status status-bad' : 'status'}>{r.status}</span>{' '}
              <span className="muted small">
                {r.durationMs.toFixed(1)} ms · <Time iso={r.timestamp} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </DetailPanel>
  );
}
