import { useEffect, useId, useRef, useState } from 'react';
import { SEARCH_KEYS } from '../../../src/contract/log-search.js';
import type { SearchLog } from '../../../src/contract/log-search.js';
import { applySuggestion, completeSearch } from '../lib/search-complete';
import type { Completion } from '../lib/search-complete';

export interface SearchError {
  readonly message: string;
  /** 1-based column in the query */
  readonly column: number;
}

/**
 * The one search box of both log pages: the syntax of docs/search.md (`actor:alice@example.com
 * -event:UserLogin outcome:Denied`), sent as `q=` and kept in the URL. A combobox: typing offers
 * keys, then values (event names, actors, environments…); ↑/↓ choose, Enter or Tab take one, Enter
 * with nothing chosen searches, Escape closes the list. `/` anywhere on the page focuses it. When the
 * API refuses the query, its message is shown with the column it names marked in the query.
 */
export function SearchBox({
  log,
  value,
  actors,
  environments,
  error,
  onSubmit,
}: {
  log: SearchLog;
  value: string;
  actors: readonly string[];
  environments: readonly string[];
  error: SearchError | null;
  onSubmit: (q: string) => void;
}) {
  const [draft, setDraft] = useState(value);
  const [completion, setCompletion] = useState<Completion | null>(null);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => setDraft(value), [value]);
  useSlashToFocus(input);

  const suggest = (text: string, caret: number) => {
    const c = completeSearch(text, caret, { log, actors, environments });
    setCompletion(c.items.length > 0 ? c : null);
    setActive(-1);
  };
  const close = () => {
    setCompletion(null);
    setActive(-1);
  };
  const take = (i: number) => {
    const item = completion?.items[i];
    if (!completion || !item) return;
    const next = applySuggestion(draft, completion, item);
    setDraft(next.text);
    requestAnimationFrame(() => {
      // Only if nothing was typed since (a fast typist must not have the caret moved under them).
      if (input.current?.value !== next.text) return;
      input.current.setSelectionRange(next.caret, next.caret);
      // A key was taken: go on to its values.
      if (item.insert.endsWith(':')) suggest(next.text, next.caret);
    });
    close();
  };
  const submit = () => {
    close();
    onSubmit(draft.trim());
  };
  const open = completion !== null;
  const listId = `${id}-list`;
  const errId = `${id}-error`;

  return (
    <div className="search-box">
      <form
        role="search"
        aria-label={log === 'audit' ? 'Search the audit log' : 'Search the access log'}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label className="field search-field">
          <span>
            Search <kbd className="kbd" aria-hidden="true">/</kbd>
          </span>
          <span className="search-row">
            <input
              ref={input}
              id={`log-search-${log}`}
              className="search-input mono"
              type="search"
              role="combobox"
              autoComplete="off"
              spellCheck={false}
              aria-autocomplete="list"
              aria-expanded={open}
              aria-controls={listId}
              aria-activedescendant={open && active >= 0 ? `${id}-opt-${active}` : undefined}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errId : `${id}-hint`}
              placeholder={log === 'audit' ? 'actor:alice@example.com event:SecretRead -outcome:Success' : 'status:403 method:DELETE path:/api/v1/*'}
              value={draft}
              onChange={(e) => {
                setDraft(e.target.value);
                suggest(e.target.value, e.target.selectionStart ?? e.target.value.length);
              }}
              onFocus={(e) => suggest(e.target.value, e.target.selectionStart ?? e.target.value.length)}
              onBlur={() => setTimeout(close, 150)}
              onKeyDown={(e) => {
                const n = completion?.items.length ?? 0;
                if (e.key === 'ArrowDown' && n > 0) {
                  e.preventDefault();
                  setActive((a) => (a + 1) % n);
                } else if (e.key === 'ArrowUp' && n > 0) {
                  e.preventDefault();
                  setActive((a) => (a <= 0 ? n - 1 : a - 1));
                } else if ((e.key === 'Enter' || e.key === 'Tab') && open && active >= 0) {
                  e.preventDefault();
                  take(active);
                } else if (e.key === 'Escape' && open) {
                  e.preventDefault();
                  e.stopPropagation();
                  close();
                }
              }}
            />
            <button type="submit" className="btn">
              Search
            </button>
          </span>
        </label>
        {open ? (
          <ul className="search-suggestions" id={listId} role="listbox" aria-label="Suggestions">
            {completion.items.map((s, i) => (
              <li
                key={s.label}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'suggestion suggestion-active' : 'suggestion'}
                onMouseDown={(e) => {
                  e.preventDefault();
                  take(i);
                }}
              >
                <span className="mono">{s.label}</span> <span className="muted small">{s.help}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </form>
      {error ? (
        <div className="search-error" id={errId} role="alert" data-testid="search-error">
          <div>{error.message}</div>
          <pre className="search-caret mono" aria-hidden="true">
            {value}
            {'\n'}
            {' '.repeat(Math.max(0, Math.min(error.column - 1, value.length)))}^
          </pre>
        </div>
      ) : (
        <div className="muted small search-hint" id={`${id}-hint`}>
          Keys complete as you type; terms combine with AND, <code>-</code> negates, <code>a,b</code> means either.{' '}
          <details className="search-help">
            <summary>Search syntax</summary>
            <table className="search-keys">
              <caption className="sr-only">Search keys of this log</caption>
              <tbody>
                {SEARCH_KEYS.filter((k) => (k.logs as readonly string[]).includes(log)).map((k) => (
                  <tr key={k.key}>
                    <th scope="row" className="mono">
                      {k.key}:
                    </th>
                    <td>{k.help}</td>
                    <td className="mono">{k.example}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">a bare word</th>
                  <td>{log === 'audit' ? 'matches the resource or the actor' : 'matches the path or the actor'}</td>
                  <td className="mono">{log === 'audit' ? 'DB_PASSWORD' : 'secrets'}</td>
                </tr>
              </tbody>
            </table>
          </details>
        </div>
      )}
    </div>
  );
}

/** `/` focuses the search box unless the user is typing somewhere already (as on GitHub). */
function useSlashToFocus(ref: React.RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      if (document.querySelector('[role="dialog"]')) return;
      e.preventDefault();
      ref.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [ref]);
}

/** The search error in an API refusal (400 naming q and its column), or null for any other error. */
export function searchErrorOf(e: unknown): SearchError | null {
  const err = e as { status?: number; message?: string; details?: unknown } | null;
  if (!err || err.status !== 400 || !/\bq\b/.test(err.message ?? '')) return null;
  const col = (err.details as { column?: unknown } | undefined)?.column;
  return { message: err.message ?? '', column: typeof col === 'number' ? col : 1 };
}
