import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EnvironmentView } from '../../../src/contract/api.js';
import type { AuditEntry } from '../../../src/contract/entries.js';
import { navigate, useLocation } from '../lib/router';
import { AUDIT_URL_KEYS, apiFilterSearch, auditFiltersToSearch, countAuditFilters, parseAuditFilters, toApiQuery } from '../lib/log-filters';
import type { AuditFilters } from '../lib/log-filters';
import { useApi, useInfiniteLog } from '../lib/use-api';
import { useLiveTail } from '../lib/live-tail';
import type { HistogramResponse } from '../lib/histogram-scale';
import { describeRange, plural } from '../lib/time-range';
import { useUtc } from '../lib/time-zone';
import { AuditFilterBar } from '../components/audit-filter-bar';
import { Histogram } from '../components/histogram';
import { AuditTable, actorLabel } from '../components/audit-table';
import { AuditDetail } from '../components/audit-detail';
import { ExportButtons } from '../components/export-buttons';
import { LoadMore } from '../components/load-more';
import { Empty, ErrorState, Loading } from '../components/states';
import { SearchBox, searchErrorOf } from '../components/search-box';
import { TimeZoneToggle } from '../components/time';
import { Collapsible, LiveToggle } from '../components/log-toolbar';

const PAGE_SIZE = 100;
const HISTOGRAM_BUCKETS = 60;
/**
 * Extra export parameters so the bytes equal `bella audit list -o csv|json`: the CLI neutralises
 * formula-like CSV cells by default, and so does the server's export unless told otherwise, so the
 * WebApp sends nothing extra and gets the same default.
 */
const EXPORT_PARAMS: Readonly<Record<string, string>> = {};

/**
 * Project → Audit Logs: the URL's query string is the filter state; everything derives from it.
 * /projects/:p/audit-logs/:id is an entry's permalink: the same page with its detail panel open.
 */
export function AuditLogsPage({
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
  const base = `/projects/${encodeURIComponent(project)}/audit-logs`;
  const filters = useMemo(() => parseAuditFilters(search), [search]);
  // The API gets the URL's values as written: a bad one comes back as the API's 400, shown below.
  const apiFilters = apiFilterSearch(search, AUDIT_URL_KEYS);
  const [live, setLive] = useState(false);

  const setFilters = useCallback(
    (f: AuditFilters) => {
      const s = auditFiltersToSearch(f);
      navigate(s ? `${base}?${s}` : base);
    },
    [base],
  );
  const open = (e: AuditEntry) => navigate(`${base}/${encodeURIComponent(e.id)}${search}`);
  const close = useCallback(() => navigate(`${base}${search}`), [base, search]);

  const log = useInfiniteLog<AuditEntry>(`/api/v1/audit-logs?${toApiQuery(project, apiFilters, { limit: String(PAGE_SIZE) })}`);
  const histogram = useApi<HistogramResponse>(
    `/api/v1/audit-logs/histogram?${toApiQuery(project, apiFilters, { buckets: String(HISTOGRAM_BUCKETS) })}`,
  );
  // The chart follows live entries too: one background refresh a second at most.
  const chartTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (chartTimer.current && clearTimeout(chartTimer.current)), []);
  const tail = useLiveTail<AuditEntry>(
    live && log.status === 'ready' ? `/api/v1/audit-logs/stream?${toApiQuery(project, apiFilters)}` : null,
    log.entries[0]?.seq ?? null,
    (e) => {
      log.prepend([e]);
      chartTimer.current ??= setTimeout(() => {
        chartTimer.current = null;
        histogram.refresh();
      }, 1000);
    },
  );
  // Suggestions come from the project's recent activity, not the filtered view, so they stay useful
  // after an actor filter narrows the table to one person.
  const recent = useApi<{ entries: AuditEntry[] }>(`/api/v1/audit-logs?project=${encodeURIComponent(project)}&limit=1000`);
  const actorSuggestions = useMemo(() => {
    const seen = new Set<string>();
    const all = [...(recent.status === 'ready' ? recent.data.entries : []), ...log.entries];
    for (const e of all) {
      if (e.actor.type === 'Anonymous' || e.actor.type === 'System') continue;
      seen.add(actorLabel(e.actor));
    }
    return [...seen].sort();
  }, [recent, log.entries]);

  // The permalink's entry: from the page when it is there, else fetched on its own (GET …/:id).
  const inPage = entryId ? log.entries.find((e) => e.id === entryId) : undefined;
  const single = useApi<AuditEntry>(entryId && !inPage && log.status !== 'loading' ? `/api/v1/audit-logs/${encodeURIComponent(entryId)}` : null);
  const selected = inPage ?? (entryId && single.status === 'ready' && single.data.id === entryId ? single.data : null);

  const searchError = log.status === 'error' ? searchErrorOf(log.error) : null;
  const forbidden = log.status === 'error' && (log.error as { status?: number } | null)?.status === 403;
  const refused = log.status === 'error' && (log.error as { status?: number } | null)?.status === 400;
  const n = countAuditFilters(filters);
  return (
    <section aria-labelledby="audit-title">
      <div className="section-head">
        <h2 id="audit-title" className="section-title">
          Audit Logs
        </h2>
        <div className="section-tools">
          {forbidden ? null : <LiveToggle on={live} state={tail.state} error={tail.error} onChange={setLive} />}
          <TimeZoneToggle />
          {canExport && !forbidden ? (
            <ExportButtons path="/api/v1/audit-logs/export" query={toApiQuery(project, apiFilters, EXPORT_PARAMS)} fallbackName={`audit-${project}`} />
          ) : null}
        </div>
      </div>
      <SearchBox
        log="audit"
        value={filters.q ?? ''}
        actors={actorSuggestions}
        environments={environments.map((e) => e.slug)}
        error={searchError}
        onSubmit={(q) => setFilters({ ...filters, q: q || undefined })}
      />
      <Collapsible label="Filters and chart" count={n - (filters.q ? 1 : 0)}>
        <AuditFilterBar filters={filters} environments={environments} actorSuggestions={actorSuggestions} onChange={setFilters} />
        {/* A refused filter fails the chart for the same reason: the list's error says it once. */}
        {refused ? null : <Histogram data={histogram} onRange={(r) => setFilters({ ...filters, since: r.since, until: r.until })} />}
      </Collapsible>
      {log.status === 'loading' ? <Loading label="Loading audit entries…" /> : null}
      {log.status === 'error' && log.error && !searchError ? (
        <ErrorState error={log.error} what="the audit log" onRetry={log.reload}>
          {n > 0 || search ? (
            <button type="button" className="btn" onClick={() => navigate(base)}>
              Clear filters
            </button>
          ) : null}
        </ErrorState>
      ) : null}
      {log.status === 'ready' && log.entries.length === 0 ? (
        <Empty title="No audit entries match">
          {n > 0 ? (
            <>
              Nothing in <strong>{describeRange(filters.since, filters.until, utc)}</strong> matches these {plural(n, 'filter')}.{' '}
              <button type="button" className="link-button" onClick={() => setFilters({ events: [] })}>
                Clear filters
              </button>
            </>
          ) : (
            'This project has no recorded activity yet.'
          )}
        </Empty>
      ) : null}
      {log.status === 'ready' && log.entries.length > 0 ? (
        <>
          <AuditTable entries={log.entries} selectedId={entryId} onOpen={open} />
          <LoadMore hasMore={log.hasMore} loading={log.loadingMore} error={log.error} shown={log.entries.length} noun={['entry', 'entries']} onLoadMore={log.loadMore} />
        </>
      ) : null}
      {entryId && !selected && single.status === 'error' ? (
        <ErrorState error={single.error} what={`audit entry ${entryId}`}>
          <button type="button" className="btn" onClick={close}>
            Back to the list
          </button>
        </ErrorState>
      ) : null}
      {selected ? (
        <AuditDetail
          entry={selected}
          onClose={close}
          onFilter={(patch) => {
            setFilters({ ...filters, ...patch });
          }}
        />
      ) : null}
    </section>
  );
}
