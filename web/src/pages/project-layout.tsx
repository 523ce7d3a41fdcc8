import type { EnvironmentView, ProjectView } from '../../../src/contract/api.js';
import { Link, useDocumentTitle } from '../lib/router';
import { useApi } from '../lib/use-api';
import { ErrorState, Loading } from '../components/states';
import { AuditLogsPage } from './audit-logs';
import { AccessLogPage } from './access-log';
import { SecretsPage } from './secrets';
import { StreamsPage } from './streams';
import { ReportsPage } from './reports';

const LOG_ROLES: ReadonlySet<string> = new Set(['OWNER', 'PROJECT_MANAGER', 'AUDITOR']);

export type ProjectTab = 'audit-logs' | 'access-log' | 'secrets' | 'streams' | 'reports';

const TAB_LABELS: Readonly<Record<ProjectTab, string>> = {
  'audit-logs': 'Audit Logs',
  'access-log': 'Access Log',
  secrets: 'Secrets',
  streams: 'Streams',
  reports: 'Reports',
};

/** A project's frame: breadcrumb, name, the tab navigation; loads environments once for every tab. */
export function ProjectLayout({ project, tab, entryId }: { project: string; tab: ProjectTab; entryId: string | null }) {
  useDocumentTitle(`${TAB_LABELS[tab]} · ${project}`);
  const base = `/api/v1/projects/${encodeURIComponent(project)}`;
  const info = useApi<ProjectView & { project?: ProjectView }>(base);
  const envs = useApi<{ environments: EnvironmentView[] }>(`${base}/environments`);
  const p = info.status === 'ready' ? (info.data.project ?? info.data) : null;
  const environments = envs.status === 'ready' ? envs.data.environments : [];
  // Exports need the right to read logs: OWNER, PROJECT_MANAGER, AUDITOR (or the instance admin and
  // environment-level access, whose project role is null; the pages also hide them after a 403).
  const canExport = p?.role == null || LOG_ROLES.has(p.role);

  return (
    <div className="page page-wide">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Projects</Link> <span aria-hidden="true">/</span> <span aria-current="page">{p?.name ?? project}</span>
      </nav>
      <h1 className="project-title">
        {p?.name ?? project} <code className="muted">{project}</code>
      </h1>
      <nav aria-label="Project" className="tabs">
        {(Object.keys(TAB_LABELS) as ProjectTab[]).map((t) => (
          <Link
            key={t}
            to={`/projects/${encodeURIComponent(project)}/${t}`}
            className={t === tab ? 'tab tab-active' : 'tab'}
            aria-current={t === tab ? 'page' : undefined}
          >
            {TAB_LABELS[t]}
          </Link>
        ))}
      </nav>
      {info.status === 'error' ? (
        <ErrorState error={info.error} what={`project ${project}`} onRetry={info.reload} />
      ) : info.status === 'loading' ? (
        <Loading label="Loading project…" />
      ) : tab === 'audit-logs' ? (
        <AuditLogsPage project={project} environments={environments} entryId={entryId} canExport={canExport} />
      ) : tab === 'access-log' ? (
        <AccessLogPage project={project} environments={environments} entryId={entryId} canExport={canExport} />
      ) : tab === 'streams' ? (
        <StreamsPage project={project} />
      ) : tab === 'reports' ? (
        <ReportsPage project={project} />
      ) : (
        <SecretsPage project={project} environments={environments} />
      )}
    </div>
  );
}
