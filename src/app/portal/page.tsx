'use client';

import { PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

export default function MyServicesPage() {
  const overview = trpc.portal.overview.useQuery();
  const data = overview.data;
  return (
    <>
      <PageHead title="My Services" subtitle={data ? `Your place in ${data.cell.name}` : undefined} />
      {overview.error && <p className="alert alert-error">{overview.error.message}</p>}
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
