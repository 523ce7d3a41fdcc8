import { useCallback, useMemo, useState } from 'react';
import type { EnvironmentView } from '../../../src/contract/api.js';
import type { AuditEntry } from '../../../src/contract/entries.js';
import { navigate, useLocation } from '../lib/router';
import { auditFiltersToSearch, countAuditFilters, parseAuditFilters, toApiQuery } from '../lib/log-filters';
import type { AuditFilters } from '../lib/log-filters';
import { useApi, useInfiniteLog } from '../lib/use-api';
import type { HistogramResponse } from '../lib/histogram-scale';
import { describeRange } from '../lib/time-range';
import { AuditFilterBar } from '../components/audit-filter-bar';
import { Histogram } from '../components/histogram';
import { AuditTable, actorLabel } from '../components/audit-table';
import { AuditDetail } from '../components/audit-detail';
import { ExportButtons } from '../components/export-buttons';
import { LoadMore } from '../components/load-more';
import { Empty, ErrorState, Loading } from '../components/states';

const PAGE_SIZE = 100;
const HISTOGRAM_BUCKETS = 60;
/**
 * Extra export parameters so the bytes equal `bella audit list -o csv|json`: the CLI neutralises
 * formula-like CSV cells by default, and so does the server's export unless told otherwise, so the
 * WebApp sends nothing extra and gets the same default.
 */
const EXPORT_PARAMS: Readonly<Record<string, string>> = {};

/** Project → Audit Logs: the URL's query string is the filter state; everything derives from it. */
export function AuditLogsPage({ project, environments }: { project: string; environments: readonly EnvironmentView[] }) {
  const { pathname, search } = useLocation();
  const filters = useMemo(() => parseAuditFilters(search), [search]);
  const canonical = auditFiltersToSearch(filters);
  const [selected, setSelected] = useState<AuditEntry | null>(null);

  const setFilters = useCallback(
    (f: AuditFilters) => {
      const s = auditFiltersToSearch(f);
      navigate(s ? `${pathname}?${s}` : pathname, { replace: false });
    },
    [pathname],
  );

  const log = useInfiniteLog<AuditEntry>(`/api/v1/audit-logs?${toApiQuery(project, canonical, { limit: String(PAGE_SIZE) })}`);
  const histogram = useApi<HistogramResponse>(
    `/api/v1/audit-logs/histogram?${toApiQuery(project, canonical, { buckets: String(HISTOGRAM_BUCKETS) })}`,
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

  const n = countAuditFilters(filters);
  return (
    <section aria-labelledby="audit-title">
      <div className="section-head">
        <h2 id="audit-title" className="section-title">
          Audit Logs
        </h2>
        <ExportButtons path="/api/v1/audit-logs/export" query={toApiQuery(project, canonical, EXPORT_PARAMS)} fallbackName={`audit-${project}`} />
      </div>
      <AuditFilterBar filters={filters} environments={environments} actorSuggestions={actorSuggestions} onChange={setFilters} />
      <Histogram data={histogram} />
      {log.status === 'loading' ? <Loading label="Loading audit entries…" /> : null}
      {log.status === 'error' && log.error ? <ErrorState error={log.error} what="the audit log" onRetry={log.reload} /> : null}
      {log.status === 'ready' && log.entries.length === 0 ? (
        <Empty title="No audit entries match">
          {n > 0 ? (
            <>
              Nothing in <strong>{describeRange(filters.since, filters.until)}</strong> matches these {n} filter{n === 1 ? '' : 's'}.{' '}
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
          <AuditTable entries={log.entries} selectedId={selected?.id ?? null} onOpen={setSelected} />
          <LoadMore hasMore={log.hasMore} loading={log.loadingMore} error={log.error} shown={log.entries.length} noun="entries" onLoadMore={log.loadMore} />
        </>
      ) : null}
      {selected ? (
        <AuditDetail
          entry={selected}
          onClose={() => setSelected(null)}
          onFilter={(patch) => {
            setSelected(null);
            setFilters({ ...filters, ...patch });
          }}
        />
      ) : null}
    </section>
  );
}
