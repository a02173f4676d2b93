'use client';

import { useState } from 'react';
import { DataTable } from '@/components/data-table';
import { useCopy } from '@/components/toast';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { formatAgo } from '@/lib/format';

/**
 * Peers' accounts on a service: made for every peer with a portal login that the firewall
 * lets use it. The admin can set a new password for one, shown here once.
 */
export function AccountsCard({ instanceId }: { instanceId: string }) {
  const accounts = trpc.store.accounts.list.useQuery({ instanceId });
  const utils = trpc.useUtils();
  const copy = useCopy();
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const reset = trpc.store.accounts.resetPassword.useMutation({
    onSuccess: (r) => {
      setShown({ username: r.username, password: r.password });
      void utils.store.accounts.list.invalidate();
    },
  });
  return (
    <section className="card stack" aria-labelledby="accounts-head">
      <h2 id="accounts-head">Accounts</h2>
      <p className="small muted">
        Each peer with a portal login that may use this service (Firewall: groups and peers) has an account. Peers set
        their own password in the portal.
      </p>
      {accounts.error && <Alert kind="error">{accounts.error.message}</Alert>}
      {reset.error && <Alert kind="error">{reset.error.message}</Alert>}
      {shown && (
        <div className="alert alert-ok" role="status">
          New password for {shown.username}: <code data-testid="account-password">{shown.password}</code>{' '}
          <button type="button" className="btn btn-link" onClick={() => copy(shown.password, 'Password')}>
            Copy
          </button>
          <p className="small">It is shown this once.</p>
        </div>
      )}
      <DataTable
        label="Accounts"
        rows={accounts.data}
        rowKey={(a) => a.peerId}
        empty="No peer has an account yet: give peers a portal login and allow them this service."
        columns={[
          { header: 'User', cell: (a) => a.username },
          { header: 'State', cell: (a) => (a.enabled ? 'enabled' : 'disabled with its peer') },
          { header: 'Since', cell: (a) => formatAgo(a.createdAt) },
          { header: 'Password set', cell: (a) => (a.passwordShownAt ? formatAgo(a.passwordShownAt) : 'not yet') },
          {
            header: '',
            cell: (a) => (
              <button
                type="button"
                className="btn"
                disabled={reset.isPending}
                onClick={() => reset.mutate({ instanceId, peerId: a.peerId })}
              >
                New password
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}
