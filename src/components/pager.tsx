import { counted } from '@/lib/format';

/** Previous / Next under a paged table, with where the reader is. */
export function Pager({
  page,
  pages,
  total,
  noun,
  onPage,
}: {
  page: number;
  pages: number;
  total: number;
  /** What is counted, one and many: ['peer', 'peers']. */
  noun: [string, string];
  onPage: (page: number) => void;
}) {
  return (
    <div className="row">
      <button className="btn" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span className="muted small">
        Page {page} of {pages} · {counted(total, ...noun)}
      </span>
      <button className="btn" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </div>
  );
}
