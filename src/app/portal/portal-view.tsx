'use client';

import { useState } from 'react';
import { PeerConfig } from '@/components/peer-config';
import { RootTrust } from '@/components/root-trust';
import { ServiceAccounts } from '@/components/service-accounts';
import { ServicesList } from '@/components/services-list';
import { TrafficChart } from '@/components/traffic-chart';
import { PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { formatAgo, formatBytes } from '@/lib/format';

export function PortalView() {
  const overview = trpc.portal.overview.useQuery();
  const data = overview.data;
  const [range, setRange] = useState<'hour' | 'day' | 'week'>('day');
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
            <p className="small">
              On an iPhone, iPad or Mac, one profile sets up the tunnel, trusts the cell and adds your calendar and
              contacts accounts (it asks for their passwords).
            </p>
            <a className="btn download" href="/api/portal/profile.mobileconfig" download data-testid="apple-profile">
              Download Apple profile
            </a>
          </div>
        </div>
      )}
      {data?.peer && (
        <div className="card" style={{ marginBottom: '1rem' }}>
          <h2>Your traffic</h2>
          <TrafficChart id={data.peer.id} name={data.peer.name} range={range} onRange={setRange} />
        </div>
      )}
      {data?.peer && (
        <section className="card" style={{ marginBottom: '1rem' }} aria-labelledby="accounts-heading">
          <h2 id="accounts-heading">Your accounts</h2>
          <ServiceAccounts />
        </section>
      )}
      {data && (
        <div className="grid grid-wide">
          <section className="card" aria-labelledby="services-heading">
            <h2 id="services-heading">What you can use</h2>
            <ServicesList services={data.services} />
          </section>
          <section className="card" aria-labelledby="trust-heading">
            <h2 id="trust-heading">Trust the cell</h2>
            <p className="small">
              The cell signs certificates for its own names. Install its root certificate once so your browser trusts
              them.
            </p>
            <RootTrust fingerprint={data.root?.fingerprint} />
          </section>
          <div className="card">
            <h2>Your account</h2>
            <dl className="kv">
              <dt>Username</dt>
              <dd>{data.account.username}</dd>
              <dt>Since</dt>
              <dd>{data.account.createdAt.toLocaleDateString()}</dd>
              <dt>Cell</dt>
              <dd>
                {data.cell.name} (<code>{data.cell.domain}</code>)
              </dd>
            </dl>
          </div>
        </div>
      )}
    </>
  );
}
