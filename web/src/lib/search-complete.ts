import { EVENT_TYPES, OUTCOMES } from '../../../src/contract/events.js';
import { HTTP_METHODS } from '../../../src/contract/log-query.js';
import { SEARCH_KEYS } from '../../../src/contract/log-search.js';
import type { SearchLog } from '../../../src/contract/log-search.js';

/**
 * Completion for the search box: from the text and the caret, the term being typed and what may
 * go there. Before a ':' it offers the keys of this log (with their one-line help from the
 * contract's SEARCH_KEYS); after `key:` (or after a ',' in a list) it offers values: event names,
 * outcomes, methods, and the actors and environments the page knows.
 */
export interface Suggestion {
  /** what the list shows */
  readonly label: string;
  /** one line of help beside it */
  readonly help: string;
  /** the text that replaces [from, to) */
  readonly insert: string;
}

export interface Completion {
  readonly from: number;
  readonly to: number;
  readonly items: readonly Suggestion[];
}

export interface CompletionContext {
  readonly log: SearchLog;
  readonly actors: readonly string[];
  readonly environments: readonly string[];
}

const MAX_ITEMS = 12;

/** A value needs quotes when it holds a space, a comma or a quote. */
const quote = (v: string) => (/[\s,"]/.test(v) ? JSON.stringify(v) : v);

export function completeSearch(text: string, caret: number, ctx: CompletionContext): Completion {
  // The term under the caret: from the last whitespace before it to the caret.
  let start = caret;
  while (start > 0 && !/\s/.test(text[start - 1] as string)) start--;
  const term = text.slice(start, caret);
  const neg = term.startsWith('-') ? 1 : 0;
  const colon = term.indexOf(':');
  if (colon < 0) {
    const typed = term.slice(neg).toLowerCase();
    const items = SEARCH_KEYS.filter((k) => (k.logs as readonly string[]).includes(ctx.log) && k.key.startsWith(typed) && !(neg && k.key === 'created')).map(
      (k) => ({ label: `${k.key}:`, help: k.help, insert: `${neg ? '-' : ''}${k.key}:` }),
    );
    return { from: start, to: caret, items: items.slice(0, MAX_ITEMS) };
  }
  const key = term.slice(neg, colon).toLowerCase();
  const list = term.slice(colon + 1);
  const comma = list.lastIndexOf(',');
  const typed = list.slice(comma + 1).replace(/^"/, '').toLowerCase();
  const from = start + colon + 1 + comma + 1;
  const chosen = new Set(list.slice(0, Math.max(comma, 0)).split(',').map((v) => v.replace(/^"|"$/g, '')));
  const values = valuesOf(key, ctx)
    .filter((v) => !chosen.has(v) && v.toLowerCase().includes(typed))
    // Prefix matches first, then matches inside the word.
    .sort((a, b) => Number(!a.toLowerCase().startsWith(typed)) - Number(!b.toLowerCase().startsWith(typed)));
  const help = SEARCH_KEYS.find((k) => k.key === key)?.help ?? '';
  return { from, to: caret, items: values.slice(0, MAX_ITEMS).map((v) => ({ label: v, help, insert: quote(v) })) };
}

function valuesOf(key: string, ctx: CompletionContext): readonly string[] {
  switch (key) {
    case 'event':
      return ctx.log === 'audit' ? EVENT_TYPES : [];
    case 'outcome':
      return ctx.log === 'audit' ? OUTCOMES : [];
    case 'method':
      return ctx.log === 'access' ? HTTP_METHODS : [];
    case 'actor':
      return ctx.actors;
    case 'environment':
      return ctx.environments;
    case 'created':
      return ['>-1h', '>-24h', '>-7d', '>=2026-01-01'];
    case 'status':
      return ctx.log === 'access' ? ['200', '201', '204', '400', '401', '403', '404', '409', '429', '500', '503'] : [];
    default:
      return [];
  }
}

/** Replaces the completed part with the suggestion; returns the new text and caret. */
export function applySuggestion(text: string, c: Completion, s: Suggestion): { text: string; caret: number } {
  const next = text.slice(0, c.from) + s.insert + text.slice(c.to);
  return { text: next, caret: c.from + s.insert.length };
}
