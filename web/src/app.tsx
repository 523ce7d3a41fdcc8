import { useEffect, useState } from 'react';
import { loadSession, logout, onSessionChange, onUnauthorized } from './api/client';
import type { Session } from './api/client';
import { Link, Redirect, matchPath, navigate, useLocation } from './lib/router';
import { SignInPage } from './pages/sign-in';
import { ProjectsPage } from './pages/projects';
import { ProjectLayout } from './pages/project-layout';
import type { ProjectTab } from './pages/project-layout';
import { StreamsPage } from './pages/streams';

const TABS: readonly ProjectTab[] = ['audit-logs', 'access-log', 'secrets', 'streams', 'reports'];

/** Routes: /sign-in, / (projects), /projects/:project/(audit-logs|access-log|secrets|streams), an entry's permalink /projects/:project/(audit-logs|access-log)/:id. */
export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const { pathname, search } = useLocation();

  useEffect(
    () =>
      onUnauthorized(() => {
        setSession(null);
      }),
    [],
  );
  useEffect(() => onSessionChange(setSession), []);

  if (!session) {
    if (pathname === '/sign-in') {
      const next = new URLSearchParams(search).get('next');
      return <SignInPage onSignedIn={(s) => (setSession(s), navigate(safeNext(next), { replace: true }))} />;
    }
    return <Redirect to={`/sign-in?next=${encodeURIComponent(pathname + search)}`} />;
  }

  const signOut = () => {
    void logout().finally(() => {
      setSession(null);
      navigate('/sign-in');
    });
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            B
          </span>
          Bella Baxter
        </Link>
        <Link to="/settings/streams" className="btn btn-ghost">
          Audit streams
        </Link>
        <div className="topbar-user">
          <span className="muted user-email" title={session.email}>
            {session.email}
          </span>
          <button type="button" className="btn btn-ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route(pathname)}
      </main>
    </div>
  );
}

function route(pathname: string) {
  if (pathname === '/' || pathname === '/sign-in') return pathname === '/' ? <ProjectsPage /> : <Redirect to="/" />;
  if (pathname === '/settings/streams') {
    return (
      <div className="page page-wide">
        <h1>Instance settings</h1>
        <StreamsPage project={null} />
      </div>
    );
  }
  const project = matchPath('/projects/:project', pathname);
  if (project) return <Redirect to={`/projects/${encodeURIComponent(project.project ?? '')}/audit-logs`} />;
  const tab = matchPath('/projects/:project/:tab', pathname);
  if (tab && (TABS as readonly string[]).includes(tab.tab ?? '')) {
    return <ProjectLayout project={tab.project ?? ''} tab={tab.tab as ProjectTab} entryId={null} />;
  }
  // Permalinks of one entry: /projects/:project/audit-logs/:id and /projects/:project/access-log/:id
  const entry = matchPath('/projects/:project/:tab/:id', pathname);
  if (entry && (entry.tab === 'audit-logs' || entry.tab === 'access-log')) {
    return <ProjectLayout project={entry.project ?? ''} tab={entry.tab} entryId={entry.id ?? null} />;
  }
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{pathname}</code>. <Link to="/">Back to projects</Link>
      </p>
    </div>
  );
}

/** Only same-app paths are valid after sign-in, so a crafted ?next= cannot send users elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}
