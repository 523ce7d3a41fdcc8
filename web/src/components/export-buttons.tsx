import { useState } from 'react';
import { apiFetch } from '../api/client';

/**
 * Export through the server's export endpoint, the same bytes `bella audit list -o csv|json`
 * writes for the same filters. The download is fetched (it needs the Bearer header, which a plain
 * link cannot send) and handed to the browser as a file named by the server's Content-Disposition.
 */
export function ExportButtons({ path, query, fallbackName }: { path: string; query: string; fallbackName: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (format: 'csv' | 'json') => {
    setBusy(format);
    setError(null);
    try {
      const q = new URLSearchParams(query);
      q.set('format', format);
      const res = await apiFetch(`${path}?${q.toString()}`);
      const blob = await res.blob();
      const name = filenameFrom(res.headers.get('content-disposition')) ?? `${fallbackName}.${format}`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="export-buttons">
      <button type="button" className="btn" onClick={() => void run('csv')} disabled={busy !== null}>
        {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
      </button>
      <button type="button" className="btn" onClick={() => void run('json')} disabled={busy !== null}>
        {busy === 'json' ? 'Exporting…' : 'Export JSON'}
      </button>
      {error ? (
        <span className="form-error" role="alert">
          Export failed: {error}
        </span>
      ) : null}
    </div>
  );
}

/** Reads filename="…" (or RFC 5987 filename*=UTF-8''…) from a Content-Disposition header. */
export function filenameFrom(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain?.[1] ?? null;
}
