'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui';
import { useCopy } from '@/components/toast';
import { trpc } from '@/lib/client/trpc';

/** The token Prometheus sends to `/api/metrics`: made here, shown once, replaced or revoked. */
export function MetricsCard() {
  const utils = trpc.useUtils();
  const status = trpc.metrics.status.useQuery();
  const create = trpc.metrics.createToken.useMutation({ onSuccess: () => utils.metrics.status.invalidate() });
  const revoke = trpc.metrics.revokeToken.useMutation({ onSuccess: () => utils.metrics.status.invalidate() });
  const [token, setToken] = useState<string | null>(null);
  const copy = useCopy();
  const error = create.error ?? revoke.error;

  return (
    <section className="card stack" style={{ maxWidth: 640 }} aria-label="Metrics">
      <h2>Metrics</h2>
      <p className="muted">
        <code>/api/metrics</code> answers in the Prometheus text format to whoever sends{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>: peers and their traffic, containers, applies and backups.
      </p>
      {error && <Alert kind="error">{error.message}</Alert>}
      {token && (
        <Alert kind="ok">
          <span>
            The token, shown this once: <code data-testid="metrics-token">{token}</code>{' '}
            <button type="button" className="btn" onClick={() => copy(token, 'Token')}>
              Copy
            </button>
          </span>
        </Alert>
      )}
      {status.data && (
        <p data-testid="metrics-state">
          {status.data.enabled
            ? `A token was made ${status.data.createdAt?.toLocaleString() ?? ''}.`
            : 'Off: no token has been made.'}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={create.isPending}
          onClick={() => create.mutate(undefined, { onSuccess: (r) => setToken(r.token) })}
        >
          {status.data?.enabled ? 'Make a new token' : 'Make a token'}
        </button>
        {status.data?.enabled && (
          <button
            type="button"
            className="btn"
            disabled={revoke.isPending}
            onClick={() => revoke.mutate(undefined, { onSuccess: () => setToken(null) })}
          >
            Turn metrics off
          </button>
        )}
      </div>
    </section>
  );
}
