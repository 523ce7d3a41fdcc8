import { useCallback, useMemo, useState } from 'react';
import type { EnvironmentView } from '../../../src/contract/api.js';
import type { AccessEntry, AuditEntry } from '../../../src/contract/entries.js';
import { navigate, useLocation } from '../lib/router';
import { accessFiltersToSearch, parseAccessFilters, toApiQuery } from '../lib/log-filters';
import type { AccessFilters } from '../lib/log-filters';
import { useApi, useInfiniteLog } from '../lib/use-api';
import { formatLocal } from '../lib/time-range';
import { AccessFilterBar } from '../components/access-filter-bar';
import { DetailPanel, Field } from '../components/detail-panel';
import { LoadMore } from '../components/load-more';
import { ExportButtons } from '../components/export-buttons';
import { Empty, ErrorState, Loading } from '../components/states';
import { OutcomeBadge, actorLabel } from '../components/audit-table';

const PAGE_SIZE = 100;

/** Project → Access Log: one row per HTTP request, same URL-driven pattern as the Audit Logs. */
export function AccessLogPage({ project, environments }: { project: string; environments: readonly EnvironmentView[] }) {
  const { pathname, search } = useLocation();
  const filters = useMemo(() => parseAccessFilters(search), [search]);
  const canonical = accessFiltersToSearch(filters);
  const [selected, setSelected] = useState<AccessEntry | null>(null);
  const setFilters = useCallback(
    (f: AccessFilters) => {
      const s = accessFiltersToSearch(f);
      navigate(s ? `${pathname}?${s}` : pathname);
    },
    [pathname],
  );
  const log = useInfiniteLog<AccessEntry>(`/api/v1/access-logs?${toApiQuery(project, canonical, { limit: String(PAGE_SIZE) })}`);
  const actorSuggestions = useMemo(
    () => [...new Set(log.entries.filter((e) => e.actor.type !== 'Anonymous').map((e) => actorLabel(e.actor)))].sort(),
    [log.entries],
  );

  return (
    <section aria-labelledby="access-title">
      <div className="section-head">
        <h2 id="access-title" className="section-title">
          Access Log
        </h2>
        <ExportButtons path="/api/v1/access-logs/export" query={toApiQuery(project, canonical)} fallbackName={`access-${project}`} />
      </div>
      <AccessFilterBar filters={filters} environments={environments} actorSuggestions={actorSuggestions} onChange={setFilters} />
      {log.status === 'loading' ? <Loading label="Loading requests…" /> : null}
      {log.status === 'error' && log.error ? <ErrorState error={log.error} what="the access log" onRetry={log.reload} /> : null}
      {log.status === 'ready' && log.entries.length === 0 ? (
        <Empty title="No requests match">Try a wider time range or fewer filters.</Empty>
      ) : null}
      {log.status === 'ready' && log.entries.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="log-table access-table">
              <caption className="sr-only">Access log rows, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Method</th>
                  <th scope="col">Route</th>
                  <th scope="col">Status</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Actor</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {log.entries.map((e) => (
                  <tr key={e.id} className={e.status >= 400 ? 'row-denied' : undefined} onClick={() => setSelected(e)}>
                    <td data-label="Time">
                      <button type="button" className="link-button" title={`UTC ${e.timestamp}`} onClick={(ev) => (ev.stopPropagation(), setSelected(e))}>
                        {formatLocal(e.timestamp)}
                      </button>
                    </td>
                    <td data-label="Method" className="mono">
                      {e.method}
                    </td>
                    <td data-label="Route" className="mono small cell-clip" title={e.path}>
                      {e.route ?? e.path}
                    </td>
                    <td data-label="Status">
                      <span className={e.status >= 400 ? 'status status-bad' : 'status'}>{e.status}</span>
                    </td>
                    <td data-label="Duration" className="num">
                      {e.durationMs.toFixed(1)} ms
                    </td>
                    <td data-label="Actor">
                      {actorLabel(e.actor)} <span className="muted small">{e.actor.type}</span>
                    </td>
                    <td data-label="IP" className="mono small">
                      {e.actor.ip ?? '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore hasMore={log.hasMore} loading={log.loadingMore} error={log.error} shown={log.entries.length} noun="requests" onLoadMore={log.loadMore} />
        </>
      ) : null}
      {selected ? <AccessDetail entry={selected} project={project} onClose={() => setSelected(null)} /> : null}
    </section>
  );
}

function AccessDetail({ entry, project, onClose }: { entry: AccessEntry; project: string; onClose: () => void }) {
  const audit = useApi<{ entries: AuditEntry[] }>(
    `/api/v1/audit-logs?project=${encodeURIComponent(project)}&requestId=${encodeURIComponent(entry.requestId)}&limit=50`,
  );
  return (
    <DetailPanel title={`${entry.method} ${entry.route ?? entry.path}`} onClose={onClose}>
      <dl className="dl">
        <Field label="Timestamp">
          <span title={`UTC ${entry.timestamp}`}>{formatLocal(entry.timestamp)}</span>
          <div className="mono small muted">{entry.timestamp}</div>
        </Field>
        <Field label="Method">{entry.method}</Field>
        <Field label="Route" mono>
          {entry.route}
        </Field>
        <Field label="Path" mono>
          {entry.path}
        </Field>
        <Field label="Status">{entry.status}</Field>
        <Field label="Duration">{entry.durationMs.toFixed(2)} ms</Field>
        <Field label="Actor type">{entry.actor.type}</Field>
        <Field label="Actor email">{entry.actor.email}</Field>
        <Field label="Actor name">{entry.actor.name}</Field>
        <Field label="Actor IP" mono>
          {entry.actor.ip}
        </Field>
        <Field label="Client" mono>
          {entry.actor.client ?? null}
        </Field>
        <Field label="Project">{entry.projectSlug}</Field>
        <Field label="Environment">{entry.environmentSlug}</Field>
        <Field label="Request id" mono>
          {entry.requestId}
        </Field>
        <Field label="User agent" mono>
          {entry.userAgent}
        </Field>
      </dl>
      <h3>Audit entries of this request</h3>
      {audit.status === 'loading' ? (
        <p className="muted">Loading…</p>
      ) : audit.status === 'error' ? (
        <p className="form-error" role="alert">
          {audit.error.message}
        </p>
      ) : audit.data.entries.length === 0 ? (
        <p className="muted">This request recorded no audit entry (plain reads of lists are in the Access Log only).</p>
      ) : (
        <ul className="access-rows">
          {audit.data.entries.map((a) => (
            <li key={a.id}>
              <strong>{a.event}</strong> <OutcomeBadge outcome={a.outcome} /> <span className="mono small">{a.resource ?? ''}</span>
            </li>
          ))}
        </ul>
      )}
    </DetailPanel>
  );
}
