import type { EnvironmentView, SecretKeyView } from '../../../src/contract/api.js';
import { navigate, useLocation } from '../lib/router';
import { useApi } from '../lib/use-api';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';

/** Keys only: the WebApp never asks for a secret value, so none can leak through a screen or a log. */
export function SecretsPage({ project, environments }: { project: string; environments: readonly EnvironmentView[] }) {
  const { pathname, search } = useLocation();
  const chosen = new URLSearchParams(search).get('environment');
  const env = environments.find((e) => e.slug === chosen)?.slug ?? environments[0]?.slug ?? null;
  const res = useApi<{ secrets: SecretKeyView[] }>(
    env ? `/api/v1/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(env)}/secrets/manifest` : null,
  );

  if (environments.length === 0) return <Empty title="No environments">This project has no environments yet.</Empty>;
  return (
    <section aria-labelledby="secrets-title">
      <h2 id="secrets-title" className="section-title">
        Secrets
      </h2>
      <div className="filter-bar">
        <label className="field field-inline">
          <span>Environment</span>
          <select value={env ?? ''} onChange={(e) => navigate(`${pathname}?environment=${encodeURIComponent(e.target.value)}`, { replace: true })}>
            {environments.map((e) => (
              <option key={e.slug} value={e.slug}>
                {e.name} ({e.slug})
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">Values are never shown here. Read them with the CLI or SDK; every read is audited.</p>
      {res.status === 'loading' ? <Loading label="Loading secret keys…" /> : null}
      {res.status === 'error' ? <ErrorState error={res.error} what="secret keys" onRetry={res.reload} /> : null}
      {res.status === 'ready' && res.data.secrets.length === 0 ? <Empty title={`No secrets in ${env}`} /> : null}
      {res.status === 'ready' && res.data.secrets.length > 0 ? (
        <div className="table-wrap">
          <table className="log-table">
            <caption className="sr-only">Secret keys in {env}</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Version</th>
                <th scope="col">Updated</th>
                <th scope="col">Updated by</th>
              </tr>
            </thead>
            <tbody>
              {res.data.secrets.map((s) => (
                <tr key={s.key}>
                  <td data-label="Key">
                    <code>{s.key}</code>
                  </td>
                  <td data-label="Version">{s.version}</td>
                  <td data-label="Updated" title={s.updatedAt}>
                    <Time iso={s.updatedAt} />
                  </td>
                  <td data-label="Updated by">{s.updatedBy ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
