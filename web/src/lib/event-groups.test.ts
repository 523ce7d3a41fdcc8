import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../src/contract/events.js';
import { groupEvents, groupSelection, summarizeEvents, toggleEvent, toggleGroup } from './event-groups';

describe('event grouping', () => {
  it('puts every catalog event in exactly one group', () => {
    const all = groupEvents().flatMap((g) => g.events);
    expect([...all].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('lists the product groups in the order of the issue', () => {
    expect(groupEvents().map((g) => g.label)).toEqual([
      'Secrets',
      'Authentication',
      'API keys',
      'Trust tokens',
      'Leases',
      'Members',
      'Providers',
      'SSH',
      'Administration',
    ]);
  });

  it('selects a whole group, then clears it on the second toggle', () => {
    const ssh = groupEvents().find((g) => g.group === 'trustTokens')!;
    const once = toggleGroup(ssh.events, ['SecretRead']);
    expect(once).toEqual(['SecretRead', ...ssh.events]);
    expect(ssh.events).toEqual(['TrustTokenIssued', 'TrustTokenRejected', 'TrustDomainCreated', 'TrustDomainUpdated', 'TrustDomainDeleted']);
    expect(toggleGroup(ssh.events, once)).toEqual(['SecretRead']);
  });

  it('reports a partly selected group as some', () => {
    const secrets = groupEvents()[0]!;
    expect(groupSelection(secrets.events, ['SecretRead'])).toBe('some');
    expect(groupSelection(secrets.events, [])).toBe('none');
  });

  it('toggles single events in catalog order', () => {
    expect(toggleEvent('SecretRead', ['UserLogin'])).toEqual(['SecretRead', 'UserLogin']);
    expect(toggleEvent('UserLogin', ['SecretRead', 'UserLogin'])).toEqual(['SecretRead']);
  });

  it('summarises the selection for the picker button', () => {
    expect(summarizeEvents([])).toBe('All events');
    expect(summarizeEvents(['SecretRead'])).toBe('SecretRead');
    const leases = groupEvents().find((g) => g.group === 'leases')!.events;
    expect(leases).toEqual(expect.arrayContaining(['LeaseIssued', 'LeaseRevoked', 'LeaseExpired', 'LeasePolicyChanged']));
    expect(summarizeEvents([...leases])).toBe(`Leases (${leases.length})`);
    expect(summarizeEvents(['LeaseIssued', 'LeaseRevoked'])).toBe('2 events');
    expect(summarizeEvents(['SecretRead', 'UserLogin'])).toBe('2 events');
  });
});
