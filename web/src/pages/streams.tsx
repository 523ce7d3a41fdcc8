import { useEffect, useState } from 'react';
import type { StreamTestResult, StreamView } from '../../../src/contract/streams.js';
import { apiFetch } from '../api/client';
import { useDocumentTitle } from '../lib/router';
import { useApi } from '../lib/use-api';
import { Empty, ErrorState, Loading } from '../components/states';

const REFRESH_MS = 5000;

const ago = (iso: string | null): string => {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

/**
 * Audit Log streams and their delivery health (docs/streams.md): the instance admin's view of every
 * stream, or a project's streams for its OWNERs. Refreshes every few seconds; pause, resume and a
 * test heartbeat act on a stream (each audited by the server).
 */
export function StreamsPage({ project }: { project: string | null }) {
  useDocumentTitle(project ? `Streams · ${project}` : 'Audit streams');
  const list = useApi<{ streams: StreamView[] }>('/api/v1/audit-streams');
  const [note, setNote] = useState<string | null>(null);
  const { reload } = list;
  useEffect(() => {
    const t = setInterval(reload, REFRESH_MS);
    return () => clearInterval(t);
  }, [reload]);

  const act = async (name: string, verb: 'pause' | 'resume' | 'test') => {
    setNote(null);
    try {
      const res = await apiFetch(`/api/v1/audit-streams/${encodeURIComponent(name)}/${verb}`, { method: 'POST', body: '{}' });
      if (verb === 'test') {
        const r = (await res.json()) as StreamTestResult;
        setNote(r.ok ? `${name}: the sink accepted a test heartbeat in ${r.durationMs} ms.` : `${name}: the sink refused the test: ${r.error ?? 'unknown error'}`);
      } else setNote(`${name}: ${verb === 'pause' ? 'paused' : 'resumed'}.`);
    } catch (e) {
      setNote(`${name}: ${(e as Error).message}`);
    }
    reload();
  };

  if (list.status === 'error') return <ErrorState error={list.error} what="audit streams" onRetry={reload} />;
  if (list.status === 'loading') return <Loading label="Loading streams…" />;
  const streams = list.data.streams.filter((s) => project === null || s.project === project);
  return (
    <section aria-labelledby="streams-title">
      <h2 id="streams-title">{project ? 'Audit streams of this project' : 'Audit streams'}</h2>
      <p className="muted">
        Each stream sends the Audit Log to a SIEM in seq order, at least once. Add and change streams with <code>bella audit streams</code>.
      </p>
      {note && (
        <p role="status" className="muted">
          {note}
        </p>
      )}
      {streams.length === 0 ? (
        <Empty title="No audit streams">
          <p>
            Add one with <code>bella audit streams add NAME --type splunk --set url=… --secret-env token=VAR</code>.
          </p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="log-table" aria-label="Audit streams">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Project</th>
                <th scope="col">Sink</th>
                <th scope="col">Format</th>
                <th scope="col">State</th>
                <th scope="col">Lag</th>
                <th scope="col">Delivered</th>
                <th scope="col">Rate/min</th>
                <th scope="col">Last success</th>
                <th scope="col">Last error</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {streams.map((s) => (
                <tr key={s.id} data-stream={s.name} className={s.health.state === 'failing' ? 'row-denied' : undefined}>
                  <td>{s.name}</td>
                  <td>{s.project ?? 'all'}</td>
                  <td>{s.sink.type}</td>
                  <td>{s.format}</td>
                  <td>
                    <span className={s.health.state === 'failing' ? 'badge badge-denied' : s.health.state === 'active' ? 'badge badge-success' : 'badge'}>
                      {s.health.state === 'active' && s.health.retrying > 0 ? `retrying (${s.health.retrying})` : s.health.state}
                    </span>
                  </td>
                  <td>
                    {s.health.lagEntries} entries, {s.health.lagSeconds}s
                  </td>
                  <td>{s.health.delivered}</td>
                  <td>{s.health.ratePerMinute}</td>
                  <td title={s.health.lastSuccessAt ?? undefined}>{ago(s.health.lastSuccessAt)}</td>
                  <td>{s.health.lastError ?? '–'}</td>
                  <td>
                    {s.health.state === 'paused' ? (
                      <button type="button" className="btn" onClick={() => void act(s.name, 'resume')}>
                        Resume
                      </button>
                    ) : (
                      <button type="button" className="btn" onClick={() => void act(s.name, s.health.state === 'failing' ? 'resume' : 'pause')}>
                        {s.health.state === 'failing' ? 'Retry now' : 'Pause'}
                      </button>
                    )}{' '}
                    <button type="button" className="btn btn-ghost" onClick={() => void act(s.name, 'test')}>
                      Test
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
