'use client';

import { useState } from 'react';
import { DataTable } from '@/components/data-table';
import { useCopy } from '@/components/toast';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

const STATE_TEXT = { present: 'in public DNS', missing: 'not in public DNS', different: 'different in public DNS' };

/**
 * The records the service needs in the domain. Inside the cell they are served already; for
 * the public side each can be copied to the domain's DNS provider, and checked.
 */
export function RecordsCard({ instanceId }: { instanceId: string }) {
  const [check, setCheck] = useState(false);
  const records = trpc.store.records.useQuery({ instanceId, check });
  const copy = useCopy();
  const publish = trpc.store.publishRecords.useMutation({ onSuccess: () => void records.refetch() });
  const data = records.data;
  if (data && !data.records.length) return null;
  return (
    <section className="card stack" aria-labelledby="records-head">
      <h2 id="records-head">DNS records</h2>
      <p className="small muted">
        The cell serves these to its peers already. For mail from the rest of the internet, your domain&apos;s public
        DNS needs them too:{' '}
        {data?.publishes
          ? 'the cell publishes them at Cloudflare when the service is installed, and removes them with it. It changes only records it made.'
          : 'copy each to your DNS provider.'}
      </p>
      {publish.error && <Alert kind="error">{publish.error.message}</Alert>}
      {publish.data && (
        <ul className="small" aria-label="Published at Cloudflare" data-testid="published">
          {publish.data.map((r) => (
            <li key={`${r.name} ${r.type}`}>
              <span
                className={`badge ${r.outcome === 'conflict' ? 'badge-bad' : r.outcome === 'waiting' ? 'badge-warn' : 'badge-ok'}`}
              >
                {r.outcome}
              </span>{' '}
              <code>{r.name}</code> {r.type}
              {r.outcome === 'conflict' || r.outcome === 'waiting' ? `: ${r.detail}` : ''}
            </li>
          ))}
        </ul>
      )}
      {records.error && <Alert kind="error">{records.error.message}</Alert>}
      {data && !data.publicAddress && (
        <Alert kind="warn">
          The cell does not know its public address yet (set it on the Domain page, or let dynamic DNS find it).
        </Alert>
      )}
      <div className="table-wrap">
        <DataTable
          label="DNS records"
          rows={data?.records}
          rowKey={(r) => `${r.name} ${r.type} ${r.value}`}
          rowTestId={(r) => `record-${r.type}-${r.name}`}
          columns={[
            { header: 'Name', cell: (r) => <code>{r.name}</code> },
            { header: 'Type', cell: (r) => r.type },
            {
              header: 'Value',
              cell: (r) =>
                r.value === null ? (
                  <span className="muted">the public address</span>
                ) : (
                  <span className="row">
                    <code className="wrap">{r.value}</code>
                    <button type="button" className="btn btn-link" onClick={() => copy(r.value!, `${r.type} record`)}>
                      Copy
                    </button>
                  </span>
                ),
            },
            {
              header: 'Public DNS',
              cell: (r) =>
                !r.public ? (
                  <span className="muted">not checked</span>
                ) : r.public.state === 'unknown' ? (
                  <span className="badge badge-warn">{r.public.reason}</span>
                ) : (
                  <span className={`badge ${r.public.state === 'present' ? 'badge-ok' : 'badge-warn'}`}>
                    {STATE_TEXT[r.public.state]}
                    {r.public.state === 'different' ? `: ${r.public.seen.join(', ')}` : ''}
                  </span>
                ),
            },
            { header: 'Why', cell: (r) => <span className="small">{r.why}</span> },
          ]}
        />
      </div>
      <div className="row">
        <button
          type="button"
          className="btn"
          disabled={records.isFetching}
          onClick={() => (check ? void records.refetch() : setCheck(true))}
        >
          {records.isFetching && check ? 'Checking…' : 'Check public DNS'}
        </button>
        {data?.publishes && (
          <button
            type="button"
            className="btn"
            disabled={publish.isPending}
            onClick={() => publish.mutate({ instanceId })}
          >
            {publish.isPending ? 'Publishing…' : 'Publish at Cloudflare'}
          </button>
        )}
      </div>
    </section>
  );
}
