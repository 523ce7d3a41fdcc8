import { useCallback, useMemo, useState } from 'react';
import type { EnvironmentView } from '../../../src/contract/api.js';
import type { AccessEntry, AuditEntry } from '../../../src/contract/entries.js';
import { summarizeEntry } from '../../../src/contract/event-summary.js';
import { navigate, useLocation } from '../lib/router';
import { ACCESS_URL_KEYS, accessFiltersToSearch, apiFilterSearch, parseAccessFilters, toApiQuery } from '../lib/log-filters';
import type { AccessFilters } from '../lib/log-filters';
import { useApi, useInfiniteLog } from '../lib/use-api';
import { useLiveTail } from '../lib/live-tail';
import { useUtc } from '../lib/time-zone';
import { AccessFilterBar } from '../components/access-filter-bar';
import { DetailPanel, Field, PermalinkField } from '../components/detail-panel';
import { LoadMore } from '../components/load-more';
import { ExportButtons } from '../components/export-buttons';
import { Empty, ErrorState, Loading } from '../components/states';
import { OutcomeBadge, actorLabel } from '../components/audit-table';
import { SearchBox, searchErrorOf } from '../components/search-box';
import { Time, TimeZoneToggle } from '../components/time';
import { Collapsible, LiveToggle } from '../components/log-toolbar';

const PAGE_SIZE = 100;

/**
 * Project → Access Log: one row per HTTP request, same URL-driven pattern as the Audit Logs;
 * /projects/:p/access-log/:id is a request's permalink.
 */
export function AccessLogPage({
  project,
  environments,
  entryId,
  canExport,
}: {
  project: string;
  environments: readonly EnvironmentView[];
  entryId: string | null;
  canExport: boolean;
}) {
  const { search } = useLocation();
  const utc = useUtc();
  const base = `/projects/${encodeURIComponent(project)}/access-log`;
  const filters = useMemo(() => parseAccessFilters(search), [search]);
  const apiFilters = apiFilterSearch(search, ACCESS_URL_KEYS);
  const [live, setLive] = useState(false);
  const setFilters = useCallback(
    (f: AccessFilters) => {
      const s = accessFiltersToSearch(f);
      navigate(s ? `${base}?${s}` : base);
    },
    [base],
  );
  const open = (e: AccessEntry) => navigate(`${base}/${encodeURIComponent(e.id)}${search}`);
  const close = useCallback(() => navigate(`${base}${search}`), [base, search]);

  const log = useInfiniteLog<AccessEntry>(`/api/v1/access-logs?${toApiQuery(project, apiFilters, { limit: String(PAGE_SIZE) })}`);
  const tail = useLiveTail<AccessEntry>(
    live && log.status === 'ready' ? `/api/v1/access-logs/stream?${toApiQuery(project, apiFilters)}` : null,
    log.entries[0]?.seq ?? null,
    (e) => log.prepend([e]),
  );
  const actorSuggestions = useMemo(
    () => [...new Set(log.entries.filter((e) => e.actor.type !== 'Anonymous').map((e) => actorLabel(e.actor)))].sort(),
    [log.entries],
  );
  const inPage = entryId ? log.entries.find((e) => e.id === entryId) : undefined;
  const single = useApi<AccessEntry>(entryId && !inPage && log.status !== 'loading' ? `/api/v1/access-logs/${encodeURIComponent(entryId)}` : null);
  const selected = inPage ?? (entryId && single.status === 'ready' && single.data.id === entryId ? single.data : null);
  const searchError = log.status === 'error' ? searchErrorOf(log.error) : null;
  const forbidden = log.status === 'error' && (log.error as { status?: number } | null)?.status === 403;
  const active = Object.entries(filters).filter(([k, v]) => v !== undefined && k !== 'q').length;

  return (
    <section aria-labelledby="access-title">
      <div className="section-head">
        <h2 id="access-title" className="section-title">
          Access Log
        </h2>
        <div className="section-tools">
          {forbidden ? null : <LiveToggle on={live} state={tail.state} error={tail.error} onChange={setLive} />}
          <TimeZoneToggle />
          {canExport && !forbidden ? (
            <ExportButtons path="/api/v1/access-logs/export" query={toApiQuery(project, apiFilters)} fallbackName={`access-${project}`} />
          ) : null}
        </div>
      </div>
      <SearchBox
        log="access"
        value={filters.q ?? ''}
        actors={actorSuggestions}
        environments={environments.map((e) => e.slug)}
        error={searchError}
        onSubmit={(q) => setFilters({ ...filters, q: q || undefined })}
      />
      <Collapsible label="Filters" count={active}>
        <AccessFilterBar filters={filters} environments={environments} actorSuggestions={actorSuggestions} onChange={setFilters} />
      </Collapsible>
      {log.status === 'loading' ? <Loading label="Loading requests…" /> : null}
      {log.status === 'error' && log.error && !searchError ? (
        <ErrorState error={log.error} what="the access log" onRetry={log.reload}>
          {search ? (
            <button type="button" className="btn" onClick={() => navigate(base)}>
              Clear filters
            </button>
          ) : null}
        </ErrorState>
      ) : null}
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
                  <th scope="col">Time{utc ? ' (UTC)' : ''}</th>
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
                  <tr
                    key={e.id}
                    className={`${e.status >= 400 ? 'row-denied' : ''} ${entryId === e.id ? 'row-selected' : ''}`.trim() || undefined}
                    data-seq={e.seq}
                    onClick={(ev) => {
                      if (window.getSelection()?.toString()) return;
                      if ((ev.target as HTMLElement).closest('button')) return;
                      open(e);
                    }}
                  >
                    <td data-label="Time">
                      <button type="button" className="link-button" onClick={() => open(e)} data-entry-id={e.id}>
                        <Time iso={e.timestamp} />
                      </button>
                    </td>
                    <td data-label="Method" className="mono">
                      {e.method}
                    </td>
                    <td data-label="Route" className="mono small cell-clip cell-route" title={e.path}>
                      {e.route ?? e.path}
                    </td>
                    <td data-label="Status">
                      <span className={e.status >= 400 ? 'status status-bad' : 'status'}>{e.status}</span>
                    </td>
                    <td data-label="Duration" className="num">
                      {e.durationMs.toFixed(1)} ms
                    </td>
                    <td data-label="Actor">
                      <div>
                        {actorLabel(e.actor)} <span className="muted small">{e.actor.type}</span>
                      </div>
                    </td>
                    <td data-label="IP" className="mono small">
                      {e.actor.ip ?? '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore hasMore={log.hasMore} loading={log.loadingMore} error={log.error} shown={log.entries.length} noun={['request', 'requests']} onLoadMore={log.loadMore} />
        </>
      ) : null}
      {entryId && !selected && single.status === 'error' ? (
        <ErrorState error={single.error} what={`access log entry ${entryId}`}>
          <button type="button" className="btn" onClick={close}>
            Back to the list
          </button>
        </ErrorState>
      ) : null}
      {selected ? <AccessDetail entry={selected} project={project} onClose={close} /> : null}
    </section>
  );
}

function AccessDetail({ entry, project, onClose }: { entry: AccessEntry; project: string; onClose: () => void }) {
  const audit = useApi<{ entries: AuditEntry[] }>(
    `/api/v1/audit-logs?project=${encodeURIComponent(project)}&requestId=${encodeURIComponent(entry.requestId)}&limit=50`,
  );
  return (
    <DetailPanel title={`${entry.method} ${entry.route ?? entry.path}`} onClose={onClose}>
      <p className="detail-summary" data-testid="detail-summary">
        {summarizeEntry(entry)}
      </p>
      <PermalinkField />
      <dl className="dl">
        <Field label="Timestamp">
          <Time iso={entry.timestamp} />
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
              <div className="small">{summarizeEntry(a)}</div>
            </li>
          ))}
        </ul>
      )}
    </DetailPanel>
  );
}
