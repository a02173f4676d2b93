'use client';

import { PeerConfig } from '@/components/peer-config';
import { PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { formatAgo, formatBytes } from '@/lib/format';

export function PortalView() {
  const overview = trpc.portal.overview.useQuery();
  const data = overview.data;
  return (
    <>
      <PageHead title="My Services" subtitle={data ? `Your place in ${data.cell.name}` : undefined} />
      {overview.error && <p className="alert alert-error">{overview.error.message}</p>}
      {data && !data.peer && (
        <p className="alert alert-warn">Your admin has not linked a device to your account yet.</p>
      )}
      {data?.peer && (
        <div className="grid" style={{ marginBottom: '1rem' }}>
          <div className="card" data-testid="my-device">
            <h2>Your device: {data.peer.name}</h2>
            <dl className="kv">
              <dt>Address</dt>
              <dd>
                <code>{data.peer.address}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                {data.peer.active ? (
                  <span className="badge badge-ok">enabled</span>
                ) : (
                  <span className="badge badge-warn">{data.peer.disabledReason ?? 'disabled'}</span>
                )}{' '}
                {data.peer.online ? 'online' : `last seen ${formatAgo(data.peer.latestHandshake)}`}
              </dd>
              <dt>Expires</dt>
              <dd>{data.peer.expiresAt ? data.peer.expiresAt.toLocaleString() : 'never'}</dd>
              <dt>Transfer</dt>
              <dd>
                {formatBytes(data.peer.rxBytes)} in / {formatBytes(data.peer.txBytes)} out
              </dd>
            </dl>
          </div>
          <div className="card">
            <h2>Connect</h2>
            <PeerConfig id={data.peer.id} name={data.peer.name} ownKey={data.peer.ownKey} />
          </div>
        </div>
      )}
      {data && (
        <div className="grid">
          <div className="card">
            <h2>Your cell</h2>
            <dl className="kv">
              <dt>Cell</dt>
              <dd>{data.cell.name}</dd>
              <dt>Domain</dt>
              <dd>
                <code>{data.cell.domain}</code>
              </dd>
              <dt>Services</dt>
              <dd>{data.cell.services.join(', ') || 'none'}</dd>
            </dl>
          </div>
          <div className="card">
            <h2>Your account</h2>
            <dl className="kv">
              <dt>Username</dt>
              <dd>{data.account.username}</dd>
              <dt>Since</dt>
              <dd>{data.account.createdAt.toLocaleDateString()}</dd>
            </dl>
          </div>
        </div>
      )}
    </>
  );
}
