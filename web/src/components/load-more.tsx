import { useEffect, useRef } from 'react';
import { plural } from '../lib/time-range';

/**
 * The bottom of an infinitely scrolling table: an IntersectionObserver sentinel that asks for the
 * next keyset page as it nears the viewport, plus a real button so keyboard users (and browsers
 * that never scroll, like a very tall window) can load more too.
 */
export function LoadMore({
  hasMore,
  loading,
  error,
  shown,
  noun,
  onLoadMore,
}: {
  hasMore: boolean;
  loading: boolean;
  error: Error | null;
  shown: number;
  /** singular and plural: "1 entry", "2 entries" */
  noun: readonly [string, string];
  onLoadMore: () => void;
}) {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || error) return;
    const io = new IntersectionObserver((items) => items.some((i) => i.isIntersecting) && onLoadMore(), { rootMargin: '600px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, onLoadMore, error]);

  return (
    <div className="load-more" ref={sentinel}>
      <span className="muted small" role="status" aria-live="polite">
        {loading ? `Loading more ${noun[1]}…` : hasMore ? `${plural(shown, ...noun)} shown` : `End of log · ${plural(shown, ...noun)}`}
      </span>
      {error ? (
        <span className="form-error" role="alert">
          Could not load more: {error.message}
        </span>
      ) : null}
      {hasMore ? (
        <button type="button" className="btn" onClick={onLoadMore} disabled={loading}>
          {error ? 'Retry' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}
