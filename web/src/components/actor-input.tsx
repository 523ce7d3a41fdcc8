import { useEffect, useId, useState } from 'react';

/**
 * Actor filter with suggestions (a native datalist: keyboard and screen-reader support for free).
 * It applies on Enter, on blur, or when a suggestion is picked, not on every keystroke, so typing
 * an email does not fire a query per character.
 */
export function ActorInput({
  value,
  suggestions,
  onChange,
}: {
  value: string | undefined;
  suggestions: readonly string[];
  onChange: (v: string | undefined) => void;
}) {
  const [draft, setDraft] = useState(value ?? '');
  const listId = useId();
  useEffect(() => setDraft(value ?? ''), [value]);
  const commit = (v: string) => {
    const t = v.trim();
    if ((t || undefined) !== value) onChange(t || undefined);
  };
  return (
    <label className="field">
      <span>Actor</span>
      <input
        type="search"
        list={listId}
        placeholder="email, name or id"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          // A datalist pick (or clearing the box) is a complete value: apply at once.
          if (e.target.value === '' || suggestions.includes(e.target.value)) commit(e.target.value);
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit(draft);
          }
        }}
      />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </label>
  );
}

/** The Access Log's path filter: the path without its query string; a trailing * matches a prefix. Applies on Enter or blur. */
export function PathInput({ value, onChange }: { value: string | undefined; onChange: (v: string | undefined) => void }) {
  const [draft, setDraft] = useState(value ?? '');
  useEffect(() => setDraft(value ?? ''), [value]);
  const commit = (v: string) => {
    const t = v.trim();
    if ((t || undefined) !== value) onChange(t || undefined);
  };
  return (
    <label className="field">
      <span>Path</span>
      <input
        type="search"
        className="mono"
        placeholder="/api/v1/projects/*"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value === '') commit('');
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit(draft);
          }
        }}
      />
    </label>
  );
}
