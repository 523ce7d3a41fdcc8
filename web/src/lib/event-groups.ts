import { EVENT_CATALOG, EVENT_TYPES } from '../../../src/contract/events.js';
import type { EventGroup, EventType } from '../../../src/contract/events.js';

/** Human labels of the catalog's groups, in the order the event picker shows them. */
export const GROUP_LABELS: Readonly<Record<EventGroup, string>> = {
  secrets: 'Secrets',
  authentication: 'Authentication',
  apiKeys: 'API keys',
  trustTokens: 'Trust tokens',
  leases: 'Leases',
  members: 'Members',
  providers: 'Providers',
  ssh: 'SSH',
  administration: 'Administration',
};

export interface EventGroupView {
  readonly group: EventGroup;
  readonly label: string;
  readonly events: readonly EventType[];
}

/**
 * Groups every catalog event under its group, groups in GROUP_LABELS order and events in catalog
 * order. Derived from EVENT_CATALOG so a new event shows up in the picker without touching the web.
 */
export function groupEvents(): readonly EventGroupView[] {
  const groups = Object.keys(GROUP_LABELS) as EventGroup[];
  return groups
    .map((group) => ({
      group,
      label: GROUP_LABELS[group],
      events: EVENT_TYPES.filter((e) => EVENT_CATALOG[e].group === group),
    }))
    .filter((g) => g.events.length > 0);
}

/** Whether every, some or none of a group's events are selected (drives the tri-state checkbox). */
export function groupSelection(events: readonly EventType[], selected: readonly EventType[]): 'all' | 'some' | 'none' {
  const n = events.filter((e) => selected.includes(e)).length;
  if (n === 0) return 'none';
  return n === events.length ? 'all' : 'some';
}

/** Toggling a group selects all its events unless all are already selected, then clears them. */
export function toggleGroup(events: readonly EventType[], selected: readonly EventType[]): EventType[] {
  const all = groupSelection(events, selected) === 'all';
  const rest = selected.filter((e) => !events.includes(e));
  return sortByCatalog(all ? rest : [...rest, ...events]);
}

export function toggleEvent(event: EventType, selected: readonly EventType[]): EventType[] {
  return sortByCatalog(selected.includes(event) ? selected.filter((e) => e !== event) : [...selected, event]);
}

/** Canonical order keeps URLs stable: the same selection always yields the same link. */
export function sortByCatalog(events: readonly EventType[]): EventType[] {
  return EVENT_TYPES.filter((e) => events.includes(e));
}

/** A short summary for the picker's button: "All events", "SecretRead", "Secrets (5)", "3 events". */
export function summarizeEvents(selected: readonly EventType[]): string {
  if (selected.length === 0) return 'All events';
  if (selected.length === 1) return selected[0] as string;
  const whole = groupEvents().find((g) => g.events.length === selected.length && groupSelection(g.events, selected) === 'all');
  if (whole) return `${whole.label} (${selected.length})`;
  return `${selected.length} events`;
}
