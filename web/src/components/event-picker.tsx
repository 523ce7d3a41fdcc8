import { useEffect, useId, useRef, useState } from 'react';
import type { EventType } from '../../../src/contract/events.js';
import { EVENT_CATALOG } from '../../../src/contract/events.js';
import { groupEvents, groupSelection, summarizeEvents, toggleEvent, toggleGroup } from '../lib/event-groups';

/**
 * Grouped multi-select for event types: a disclosure button opening a panel of checkboxes, one
 * tri-state checkbox per group. Plain checkboxes keep it keyboard- and screen-reader-friendly
 * without a custom listbox; Escape closes it and returns focus to the button.
 */
export function EventPicker({ value, onChange }: { value: readonly EventType[]; onChange: (v: EventType[]) => void }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  return (
    <div
      className="picker"
      ref={wrap}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <span className="field-label" id={`${panelId}-label`}>
        Event
      </span>
      <button
        ref={button}
        type="button"
        className="select-like"
        aria-expanded={open}
        aria-controls={panelId}
        aria-labelledby={`${panelId}-label ${panelId}-value`}
        onClick={() => setOpen((o) => !o)}
      >
        <span id={`${panelId}-value`}>{summarizeEvents(value)}</span>
      </button>
      {open ? (
        <div className="picker-panel" id={panelId} role="group" aria-label="Event types">
          <div className="picker-actions">
            <button type="button" className="btn btn-small" onClick={() => onChange([])} disabled={value.length === 0}>
              Clear events
            </button>
            <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
          {groupEvents().map((g) => {
            const sel = groupSelection(g.events, value);
            return (
              <fieldset key={g.group} className="picker-group">
                <legend>
                  <label>
                    <input
                      type="checkbox"
                      checked={sel === 'all'}
                      ref={(el) => {
                        if (el) el.indeterminate = sel === 'some';
                      }}
                      onChange={() => onChange(toggleGroup(g.events, value))}
                    />
                    {g.label}
                  </label>
                </legend>
                {g.events.map((e) => (
                  <label key={e} className="picker-item" title={EVENT_CATALOG[e].description}>
                    <input type="checkbox" checked={value.includes(e)} onChange={() => onChange(toggleEvent(e, value))} />
                    {e}
                  </label>
                ))}
              </fieldset>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}
