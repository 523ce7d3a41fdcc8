import type { EnvironmentView } from '../../../src/contract/api.js';
import { HTTP_METHODS } from '../../../src/contract/log-query.js';
import type { AccessFilters } from '../lib/log-filters';
import { ActorInput, PathInput } from './actor-input';
import { EnvironmentSelect } from './environment-select';
import { TimeRangePicker } from './time-range-picker';

const STATUS_CHOICES = [200, 201, 204, 400, 401, 403, 404, 409, 429, 500, 503] as const;

/** The Access Log's filters: the shared ones plus method and status. */
export function AccessFilterBar({
  filters,
  environments,
  actorSuggestions,
  onChange,
}: {
  filters: AccessFilters;
  environments: readonly EnvironmentView[];
  actorSuggestions: readonly string[];
  onChange: (f: AccessFilters) => void;
}) {
  const set = (patch: Partial<AccessFilters>) => onChange({ ...filters, ...patch });
  const active = Object.values(filters).filter((v) => v !== undefined).length;
  return (
    <div className="filter-bar" role="search" aria-label="Access log filters">
      <EnvironmentSelect value={filters.environment} environments={environments} onChange={(environment) => set({ environment })} />
      <TimeRangePicker value={{ since: filters.since, until: filters.until }} onChange={(r) => set({ since: r.since, until: r.until })} />
      <ActorInput value={filters.actor} suggestions={actorSuggestions} onChange={(actor) => set({ actor })} />
      <label className="field">
        <span>Method</span>
        <select value={filters.method ?? ''} onChange={(e) => set({ method: e.target.value || undefined })}>
          <option value="">Any method</option>
          {HTTP_METHODS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Status</span>
        <select value={filters.status ?? ''} onChange={(e) => set({ status: e.target.value ? Number(e.target.value) : undefined })}>
          <option value="">Any status</option>
          {[...new Set([...STATUS_CHOICES, ...(filters.status ? [filters.status] : [])])].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <PathInput value={filters.path} onChange={(path) => set({ path })} />
      <label className="check-field">
        <input type="checkbox" checked={filters.excludeSelf === true} onChange={(e) => set({ excludeSelf: e.target.checked || undefined })} />
        Hide my own reads
      </label>
      {filters.requestId ? (
        <div className="chips">
          <button type="button" className="chip" onClick={() => set({ requestId: undefined })} aria-label={`Remove request id filter ${filters.requestId}`}>
            requestId: {filters.requestId} <span aria-hidden="true">×</span>
          </button>
        </div>
      ) : null}
      <button type="button" className="btn btn-ghost clear-filters" disabled={active === 0} onClick={() => onChange({})}>
        Clear filters{active ? ` (${active})` : ''}
      </button>
    </div>
  );
}
