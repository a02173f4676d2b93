'use client';

import { trpc } from '@/lib/client/trpc';
import { ChangePasswordForm } from './change-password';
import { PageHead } from './ui';

export function AccountView() {
  const me = trpc.account.me.useQuery();
  return (
    <>
      <PageHead
        title="Account"
        subtitle={me.data ? `Signed in as ${me.data.username} (${me.data.role})` : 'Your sign-in'}
      />
      <div className="stack">
        {me.data && (
          <div className="card" style={{ maxWidth: 480 }}>
            <dl className="kv">
              <dt>Username</dt>
              <dd>{me.data.username}</dd>
              <dt>Role</dt>
              <dd>{me.data.role}</dd>
              <dt>Password changed</dt>
              <dd>{me.data.passwordChangedAt.toLocaleString()}</dd>
            </dl>
          </div>
        )}
        <ChangePasswordForm />
      </div>
    </>
  );
}
