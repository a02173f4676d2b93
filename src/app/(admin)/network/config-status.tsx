import { formatAgo } from '@/lib/format';

export interface ConfigState {
  pending: boolean;
  appliedVia: string | null;
  error: string | null;
  updatedAt: Date;
}

/** Whether the daemon runs what the page shows, and if not, why. */
export function ConfigStatus({ state, target }: { state: ConfigState | null | undefined; target: string }) {
  if (!state) return <p className="muted small">Not rendered yet.</p>;
  if (state.pending) {
    return (
      <p className="small" role="status">
        <span className="badge badge-warn">pending</span> {target} has not loaded the latest change
        {state.error ? `: ${state.error}` : ''}. It is retried every 30 seconds.
      </p>
    );
  }
  return (
    <p className="small" role="status">
      <span className="badge badge-ok">in place</span>{' '}
      <span className="muted">
        {state.appliedVia} ({formatAgo(state.updatedAt)})
      </span>
    </p>
  );
}
