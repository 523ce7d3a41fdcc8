import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

/** Loading, empty and error states that say what happened (and, for errors, what to quote). */
export function Loading({ label }: { label: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function ErrorState({ error, what, onRetry, children }: { error: Error; what: string; onRetry?: () => void; children?: ReactNode }) {
  const api = error instanceof ApiError ? error : null;
  const hint =
    api?.status === 403
      ? 'Your role does not allow this view. Ask a project owner for the Auditor role.'
      : api?.status === 0
        ? null
        : api && api.status >= 500
          ? 'The server had a problem; retrying may help.'
          : api?.status === 400
            ? 'The filters in this page’s address were refused; change or clear them.'
            : null;
  return (
    <div className="state state-error" role="alert">
      <strong>Could not load {what}.</strong>
      <div>{error.message}</div>
      {hint ? <div>{hint}</div> : null}
      {api?.requestId ? (
        <div className="muted">
          Request id <code>{api.requestId}</code>
        </div>
      ) : null}
      {children}
      {onRetry && api?.status !== 400 ? (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
