import type { EnvironmentView } from '../../../src/contract/api.js';

/**
 * The environment filter both log pages share. An environment named in the URL but not (or not yet)
 * in the list stays selectable, so a shared link never silently shows every environment instead.
 */
export function EnvironmentSelect({
  value,
  environments,
  onChange,
}: {
  value: string | undefined;
  environments: readonly EnvironmentView[];
  onChange: (environment: string | undefined) => void;
}) {
  return (
    <label className="field">
      <span>Environment</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All environments</option>
        {environments.map((e) => (
          <option key={e.slug} value={e.slug}>
            {e.name}
          </option>
        ))}
        {value && !environments.some((e) => e.slug === value) ? <option value={value}>{value}</option> : null}
      </select>
    </label>
  );
}
