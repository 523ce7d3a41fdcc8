import type { ProjectView } from '../../../src/contract/api.js';
import { Link, useDocumentTitle } from '../lib/router';
import { useApi } from '../lib/use-api';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';

export function ProjectsPage() {
  useDocumentTitle('Projects');
  const res = useApi<{ projects: ProjectView[] }>('/api/v1/projects');
  return (
    <div className="page">
      <h1>Projects</h1>
      {res.status === 'loading' ? <Loading label="Loading projects…" /> : null}
      {res.status === 'error' ? <ErrorState error={res.error} what="your projects" onRetry={res.reload} /> : null}
      {res.status === 'ready' && res.data.projects.length === 0 ? (
        <Empty title="No projects yet">
          You are not a member of any project. Create one with <code>bella projects create</code> or ask a project owner to add you.
        </Empty>
      ) : null}
      {res.status === 'ready' && res.data.projects.length > 0 ? (
        <ul className="project-list">
          {res.data.projects.map((p) => (
            <li key={p.slug}>
              <Link to={`/projects/${encodeURIComponent(p.slug)}/audit-logs`} className="card project-card">
                <span className="project-name">{p.name}</span>
                <span className="muted">
                  <code>{p.slug}</code>
                  {p.role ? ` · ${p.role}` : ''}
                </span>
                <span className="muted small" title={p.createdAt}>
                  Created <Time iso={p.createdAt} seconds={false} />
                </span>
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
