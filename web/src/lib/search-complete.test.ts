import { describe, expect, it } from 'vitest';
import { parseLogSearch } from '../../../src/contract/log-search.js';
import { applySuggestion, completeSearch } from './search-complete';

const ctx = { log: 'audit' as const, actors: ['alice@example.com', 'bob@example.com', 'Deploy Bot'], environments: ['production', 'staging'] };

describe('search box completion', () => {
  it('offers the keys of this log, with their help, while a key is typed', () => {
    const c = completeSearch('ev', 2, ctx);
    expect(c.items.map((i) => i.label)).toEqual(['event:']);
    expect(c.items[0]?.help).toMatch(/event type/);
    expect(completeSearch('', 0, ctx).items.map((i) => i.label)).toContain('outcome:');
    // Access Log keys are not offered on the Audit Logs page, and the other way round.
    expect(completeSearch('', 0, ctx).items.map((i) => i.label)).not.toContain('method:');
    expect(completeSearch('', 0, { ...ctx, log: 'access' }).items.map((i) => i.label)).not.toContain('event:');
  });

  it('offers event names after event:, and more after a comma without repeating a chosen one', () => {
    const c = completeSearch('outcome:Denied event:SecretR', 28, ctx);
    expect(c.items.map((i) => i.label)).toContain('SecretRead');
    const next = applySuggestion('outcome:Denied event:SecretR', c, c.items.find((i) => i.label === 'SecretRead')!);
    expect(next).toEqual({ text: 'outcome:Denied event:SecretRead', caret: 31 });
    const more = completeSearch('event:SecretRead,Secret', 23, ctx);
    expect(more.items.map((i) => i.label)).not.toContain('SecretRead');
    expect(more.items.map((i) => i.label)).toContain('SecretUpdated');
  });

  it('offers actors and environments the page knows, quoting values with spaces', () => {
    expect(completeSearch('actor:al', 8, ctx).items.map((i) => i.label)).toEqual(['alice@example.com']);
    const bot = completeSearch('actor:dep', 9, ctx);
    const applied = applySuggestion('actor:dep', bot, bot.items[0]!);
    expect(applied.text).toBe('actor:"Deploy Bot"');
    expect(parseLogSearch(applied.text).ok).toBe(true);
    expect(completeSearch('-environment:st', 15, ctx).items.map((i) => i.insert)).toEqual(['staging']);
  });

  it('keeps negation when completing a key', () => {
    const c = completeSearch('-eve', 4, ctx);
    expect(applySuggestion('-eve', c, c.items[0]!).text).toBe('-event:');
  });

  it('completes in the middle of a query, replacing only the term under the caret', () => {
    const text = 'event:Sec outcome:Denied';
    const c = completeSearch(text, 9, ctx);
    const r = applySuggestion(text, c, c.items.find((i) => i.label === 'SecretDeleted')!);
    expect(r.text).toBe('event:SecretDeleted outcome:Denied');
    expect(parseLogSearch(r.text, 'audit').ok).toBe(true);
  });
});
