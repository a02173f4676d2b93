'use client';

import Link from 'next/link';

import { useState } from 'react';
import { ApplyNotice, type ApplyState } from '@/components/apply-notice';
import { DataTable } from '@/components/data-table';
import { actionsColumn, EditDialog, RemoveDialog, useRowEditing } from '@/components/row-editing';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { RouteForm, type RouteDraft } from './route-form';

export function RoutesView() {
  const utils = trpc.useUtils();
  const list = trpc.routes.list.useQuery();
  const domain = trpc.domain.get.useQuery();
  const remove = trpc.routes.remove.useMutation();
  const { editing, setEditing, removing, setRemoving } = useRowEditing<RouteDraft>();
  const actions = actionsColumn<RouteDraft>({ setEditing, setRemoving }, (r) => r.host + r.path);
  const [notice, setNotice] = useState<ApplyState | null>(null);
  const done = (apply: ApplyState) => {
    setEditing(null);
    setNotice(apply);
  };

  return (
    <>
      <PageHead
        title="Routes"
        subtitle="Names for your services over HTTPS, through the cell's reverse proxy."
        actions={
          <button className="btn btn-primary" onClick={() => setEditing('new')} disabled={!domain.data}>
            Add route
          </button>
        }
      />
      <div className="stack">
        <ApplyNotice apply={notice} target="Caddy" />
        {list.error && <Alert kind="error">{list.error.message}</Alert>}
        {list.data && (
          <p className="muted small" style={{ margin: 0 }}>
            The cell&apos;s own web app always answers at{' '}
            {list.data.reserved.map((h) => (
              <code key={h}>{h} </code>
            ))}
            ; those names cannot be routed elsewhere.
            {domain.data?.proxy?.pending &&
              ` Caddy has not loaded the latest change yet${domain.data.proxy.error ? `: ${domain.data.proxy.error}` : ''}.`}
          </p>
        )}
        <div className="card table-wrap">
          <DataTable
            label="Routes"
            rows={list.data?.routes}
            rowKey={(r) => r.id}
            rowTestId={(r) => `route-${r.host}${r.path}`}
            empty="No routes yet: “Add route” gives a service a name over HTTPS."
            columns={[
              {
                header: 'Host',
                cell: (r) => (
                  <a href={`https://${r.host}${r.path}`} target="_blank" rel="noreferrer">
                    {r.host}
                    {r.path}
                  </a>
                ),
              },
              { header: 'Upstream', cell: (r) => <code>{r.upstream}</code> },
              {
                header: 'Access',
                cell: (r) =>
                  r.access === 'peers' ? (
                    <span className="badge">peers only</span>
                  ) : (
                    <span className="badge badge-warn">public</span>
                  ),
              },
              {
                header: 'Options',
                className: 'small',
                cell: (r) => (
                  <>
                    {Object.keys(r.headers).length > 0 && <div>{Object.keys(r.headers).join(', ')}</div>}
                    {r.websocket && <div>streaming</div>}
                  </>
                ),
              },
              {
                ...actions,
                // A store service's route changes with the service, on its page.
                cell: (r) =>
                  r.service ? (
                    <Link className="small" href={`/services/${r.service}`}>
                      {r.service}
                    </Link>
                  ) : (
                    actions.cell(r)
                  ),
              },
            ]}
          />
        </div>
      </div>
      {domain.data && (
        <EditDialog
          editing={editing}
          title={(r) => (r === 'new' ? 'Add route' : `Edit ${r.host}${r.path}`)}
          onClose={() => setEditing(null)}
        >
          {(initial) => <RouteForm domain={domain.data.domain} initial={initial} onDone={done} />}
        </EditDialog>
      )}
      <RemoveDialog
        removing={removing}
        title="Delete route"
        mutation={remove}
        onClose={() => setRemoving(null)}
        onRemoved={(r) => {
          setNotice(r.apply);
          void utils.routes.invalidate();
        }}
      >
        {(r) => (
          <>
            Delete <code>{r.host + r.path}</code> → <code>{r.upstream}</code>? The name stops answering as soon as Caddy
            reloads.
          </>
        )}
      </RemoveDialog>
    </>
  );
}
