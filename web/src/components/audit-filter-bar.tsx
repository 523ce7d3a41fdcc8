import type { EnvironmentView } from '../../../src/contract/api.js';
import { ACTOR_TYPES, OUTCOMES } from '../../../src/contract/events.js';
import type { ActorType, Outcome } from '../../../src/contract/events.js';
import type { AuditFilters } from '../lib/log-filters';
import { countAuditFilters } from '../lib/log-filters';
import { ActorInput } from './actor-input';
import { EnvironmentSelect } from './environment-select';
import { EventPicker } from './event-picker';
import { TimeRangePicker } from './time-range-picker';

/** Everything `bella audit list` filters on; every change rewrites the URL (the single source of truth). */
export function AuditFilterBar({
  filters,
  environments,
  actorSuggestions,
  onChange,
}: {
  filters: AuditFilters;
  environments: readonly EnvironmentView[];
  actorSuggestions: readonly string[];
  onChange: (f: AuditFilters) => void;
}) {
  const set = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch });
  const n = countAuditFilters(filters);
  return (
    <div className="filter-bar" role="search" aria-label="Audit log filters">
      <EnvironmentSelect value={filters.environment} environments={environments} onChange={(environment) => set({ environment })} />
      <TimeRangePicker value={{ since: filters.since, until: filters.until }} onChange={(r) => set({ since: r.since, until: r.until })} />
      <ActorInput value={filters.actor} suggestions={actorSuggestions} onChange={(actor) => set({ actor })} />
      <label className="field">
        <span>Actor type</span>
        <select value={filters.actorType ?? ''} onChange={(e) => set({ actorType: (e.target.value || undefined) as ActorType | undefined })}>
          <option value="">Any</option>
          {ACTOR_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <EventPicker value={filters.events} onChange={(events) => set({ events })} />
      <label className="field">
        <span>Outcome</span>
        <select value={filters.outcome ?? ''} onChange={(e) => set({ outcome: (e.target.value || undefined) as Outcome | undefined })}>
          <option value="">Any outcome</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      {filters.resource || filters.requestId || filters.client ? (
        <div className="chips" aria-label="More filters">
          {filters.resource ? (
            <button type="button" className="chip" onClick={() => set({ resource: undefined })} aria-label={`Remove resource filter ${filters.resource}`}>
              resource: {filters.resource} <span aria-hidden="true">×</span>
            </button>
          ) : null}
          {filters.requestId ? (
            <button type="button" className="chip" onClick={() => set({ requestId: undefined })} aria-label={`Remove request id filter ${filters.requestId}`}>
              requestId: {filters.requestId} <span aria-hidden="true">×</span>
            </button>
          ) : null}
          {filters.client ? (
            <button type="button" className="chip" onClick={() => set({ client: undefined })} aria-label={`Remove client filter ${filters.client}`}>
              client: {filters.client} <span aria-hidden="true">×</span>
            </button>
          ) : null}
        </div>
      ) : null}
      <button type="button" className="btn btn-ghost clear-filters" disabled={n === 0} onClick={() => onChange({ events: [] })}>
        Clear filters{n ? ` (${n})` : ''}
      </button>
    </div>
  );
}
