import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { FRAMEWORK_NAMES, FRAMEWORKS, type Framework, type ReportListItem, type ReportManifest, type ReportPack } from '../../../src/contract/reports.js';
import { apiFetch } from '../api/client';
import { useDocumentTitle } from '../lib/router';
import { useApi } from '../lib/use-api';
import { Empty, ErrorState, Loading } from '../components/states';

const TYPES: Readonly<Record<string, string>> = { pdf: 'application/pdf', html: 'text/html', csv: 'text/csv', json: 'application/json', sig: 'text/plain' };

/** A file of a pack as a download link (object URL of its bytes, freed when the pack is replaced). */
function fileUrl(content: string, name: string): string {
  const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }));
}

const today = () => new Date().toISOString().slice(0, 10);
/** The last day of a period whose end is exclusive (a period to 2026-07-01T00:00Z ends on 2026-06-30). */
const lastDay = (to: string) => new Date(Date.parse(to) - 1).toISOString().slice(0, 10);
const monthsAgo = (n: number) => {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 10);
};

/**
 * Compliance evidence packs of a project (docs/compliance.md): generate one for a framework and a
 * period (OWNERs, PROJECT_MANAGERs, AUDITORs and the instance admin), download its files, and see the
 * reports generated before (from their ReportGenerated entries).
 */
export function ReportsPage({ project }: { project: string }) {
  useDocumentTitle(`Reports · ${project}`);
  const list = useApi<{ reports: ReportListItem[] }>(`/api/v1/reports?project=${encodeURIComponent(project)}`);
  const [framework, setFramework] = useState<Framework>('soc2');
  const [since, setSince] = useState(monthsAgo(6));
  const [until, setUntil] = useState(today());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pack, setPack] = useState<{ pack: ReportPack; manifest: ReportManifest; urls: Map<string, string> } | null>(null);
  useEffect(() => () => pack?.urls.forEach((u) => URL.revokeObjectURL(u)), [pack]);

  const generate = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await apiFetch('/api/v1/reports', { method: 'POST', body: JSON.stringify({ framework, since, until, project }) });
      const p = (await res.json()) as ReportPack;
      const m = p.files.find((f) => f.name === 'manifest.json');
      const manifest = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(m?.content ?? ''), (c) => c.charCodeAt(0)))) as ReportManifest;
      setPack({ pack: p, manifest, urls: new Map(p.files.map((f) => [f.name, fileUrl(f.content, f.name)])) });
      list.reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="reports-title">
      <h2 id="reports-title">Compliance reports</h2>
      <p className="muted">
        A signed evidence pack: a PDF and HTML summary, CSV evidence per section, and a manifest signed with the Audit Log&apos;s key. Check a downloaded pack with{' '}
        <code>bella audit report verify DIR</code>.
      </p>
      <form className="report-form" onSubmit={(e) => void generate(e)} aria-label="Generate a report">
        <label>
          Framework{' '}
          <select value={framework} onChange={(e) => setFramework(e.target.value as Framework)}>
            {FRAMEWORKS.map((f) => (
              <option key={f} value={f}>
                {FRAMEWORK_NAMES[f]}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          From <input type="date" value={since} onChange={(e) => setSince(e.target.value)} required />
        </label>{' '}
        <label>
          To (inclusive) <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} required />
        </label>{' '}
        <button type="submit" className="btn" disabled={busy}>
          {busy ? 'Generating…' : 'Generate report'}
        </button>
      </form>
      {error && (
        <p role="alert" className="state-error">
          {error}
        </p>
      )}
      {pack && (
        <div className="report-result" aria-label="Generated report">
          <p role="status">
            Report <code>{pack.pack.id}</code>: {pack.manifest.counts.entries ?? 0} entries;{' '}
            <strong data-verification={pack.manifest.verification.ok ? 'ok' : 'failed'}>
              {pack.manifest.verification.ok ? `log verified (${pack.manifest.verification.verified} entries against checkpoint ${pack.manifest.checkpoint?.size ?? '–'})` : 'log verification FAILED'}
            </strong>
            .
          </p>
          <ul className="report-files">
            {pack.pack.files.map((f) => (
              <li key={f.name}>
                <a href={pack.urls.get(f.name)} download={f.name}>
                  {f.name}
                </a>{' '}
                <span className="muted">
                  {f.bytes} bytes, SHA-256 <code>{f.sha256.slice(0, 16)}…</code>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <h3>Generated reports</h3>
      {list.status === 'error' ? (
        <ErrorState error={list.error} what="reports" onRetry={list.reload} />
      ) : list.status === 'loading' ? (
        <Loading label="Loading reports…" />
      ) : list.data.reports.length === 0 ? (
        <Empty title="No reports yet">
          <p>Generate one above, or with <code>bella audit report --framework soc2 --since … --until … --project {project} --out DIR</code>.</p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="log-table" aria-label="Generated reports">
            <thead>
              <tr>
                <th scope="col">Generated</th>
                <th scope="col">Framework</th>
                <th scope="col">Period</th>
                <th scope="col">Log</th>
                <th scope="col">By</th>
                <th scope="col">Manifest SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {list.data.reports.map((r) => (
                <tr key={r.id} data-report={r.id}>
                  <td>{r.timestamp.replace('T', ' ').slice(0, 19)}</td>
                  <td>{r.framework ? (FRAMEWORK_NAMES[r.framework as Framework] ?? r.framework) : r.kind}</td>
                  <td>{r.period ? `${r.period.from.slice(0, 10)} – ${lastDay(r.period.to)}` : '–'}</td>
                  <td>{r.verificationOk === false ? 'FAILED' : 'verified'}</td>
                  <td>{r.by ?? '–'}</td>
                  <td>
                    <code>{r.manifestSha256?.slice(0, 16) ?? '–'}</code>
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
