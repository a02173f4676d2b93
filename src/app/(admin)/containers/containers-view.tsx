'use client';

import { useState } from 'react';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { formatAgo } from '@/lib/format';
import { ContainerDialogs, type Open } from './container-dialogs';
import type { ContainerRow } from './container-row';
import { ImagesCard, VolumesCard } from './images-volumes';
import { ReconcileReport } from './reconcile-report';
import { StackSettings } from './stack-settings';

const STATE_BADGE: Record<string, string> = {
  running: 'badge-ok',
  restarting: 'badge-warn',
  paused: 'badge-warn',
  created: 'badge-warn',
};

function uptime(c: ContainerRow): string {
  if (c.state !== 'running' || !c.startedAt) return c.status;
  return `up ${formatAgo(c.startedAt).replace(/ ago$/, '')}`;
}

export function ContainersView() {
  const utils = trpc.useUtils();
  const engine = trpc.containers.engine.useQuery(undefined, { refetchInterval: 10_000 });
  const reachable = engine.data?.engine.reachable ?? false;
  const list = trpc.containers.list.useQuery(undefined, { enabled: reachable, refetchInterval: 5_000, retry: false });
  const [open, setOpen] = useState<Open | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = {
    start: trpc.containers.start.useMutation(),
    restart: trpc.containers.restart.useMutation(),
  };
  const reconcile = trpc.containers.reconcile.useMutation({ onSettled: () => void utils.containers.invalidate() });
  const run = (kind: 'start' | 'restart', c: ContainerRow) => {
    setActionError(null);
    act[kind].mutate(
      { id: c.name },
      { onError: (e) => setActionError(e.message), onSettled: () => void utils.containers.list.invalidate() },
    );
  };
  const busy = act.start.isPending || act.restart.isPending;
  const report = reconcile.data ?? engine.data?.lastReconcile ?? null;

  return (
    <>
      <PageHead
        title="Containers"
        subtitle="The daemons of the cell, and anything else on the container engine."
        actions={
          <button
            className="btn btn-primary"
            disabled={!reachable || reconcile.isPending}
            onClick={() => reconcile.mutate()}
          >
            {reconcile.isPending ? 'Reconciling…' : 'Reconcile now'}
          </button>
        }
      />
      <div className="stack">
        {engine.data && (
          <div className="card" data-testid="engine">
            <h2>Engine</h2>
            <dl className="kv">
              <dt>State</dt>
              <dd>
                {reachable ? (
                  <span className="badge badge-ok">reachable</span>
                ) : (
                  <span className="badge badge-bad">unreachable</span>
                )}
                {engine.data.engine.error && <span className="muted small"> {engine.data.engine.error}</span>}
              </dd>
              <dt>Socket</dt>
              <dd>
                <code>{engine.data.engine.socket}</code>
              </dd>
              {engine.data.engine.version && (
                <>
                  <dt>Version</dt>
                  <dd>
                    Docker Engine {engine.data.engine.version} (API {engine.data.engine.apiVersion})
                  </dd>
                </>
              )}
            </dl>
            {!reachable && (
              <p className="muted small">
                Without an engine the cell keeps its state and renders every config; the containers start as soon as the
                engine answers on this socket (set <code>PIC_DOCKER_SOCKET</code> to use another).
              </p>
            )}
          </div>
        )}
        {reconcile.error && <Alert kind="error">{reconcile.error.message}</Alert>}
        {report && <ReconcileReport report={report} />}
        {actionError && <Alert kind="error">{actionError}</Alert>}
        {list.error && <Alert kind="error">{list.error.message}</Alert>}
        {reachable && list.data && (
          <div className="card table-wrap">
            <table className="table" data-testid="containers">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>State</th>
                  <th>Image</th>
                  <th>Address</th>
                  <th>Ports</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c) => (
                  <tr key={c.id} data-name={c.name}>
                    <td>
                      <strong>{c.name}</strong>
                      <div className="small muted">
                        {c.component ? `cell · ${c.component}` : c.managed ? 'cell' : 'not managed by the cell'}
                      </div>
                    </td>
                    <td>
                      <span className={`badge ${STATE_BADGE[c.state] ?? 'badge-bad'}`} data-testid="state">
                        {c.state}
                      </span>
                      {c.health && (
                        <span className={`badge ${c.health === 'healthy' ? 'badge-ok' : 'badge-warn'}`}>
                          {c.health}
                        </span>
                      )}
                      <div className="small muted">{uptime(c)}</div>
                    </td>
                    <td className="small">
                      <code>{c.image}</code>
                    </td>
                    <td className="small">{c.ip ?? '—'}</td>
                    <td className="small">
                      {c.ports.length
                        ? c.ports.map((p) => (
                            <div key={`${p.container}/${p.protocol}/${p.host}`}>
                              {p.host ? `${p.hostIp && p.hostIp !== '0.0.0.0' ? `${p.hostIp}:` : ''}${p.host} → ` : ''}
                              {p.container}/{p.protocol}
                            </div>
                          ))
                        : '—'}
                    </td>
                    <td>
                      <div className="actions">
                        {c.state === 'running' ? (
                          <>
                            <button className="btn" disabled={busy} onClick={() => run('restart', c)}>
                              Restart
                            </button>
                            <button className="btn btn-danger" onClick={() => setOpen({ kind: 'stop', container: c })}>
                              Stop
                            </button>
                          </>
                        ) : (
                          <button className="btn" disabled={busy} onClick={() => run('start', c)}>
                            Start
                          </button>
                        )}
                        <button className="btn" onClick={() => setOpen({ kind: 'logs', container: c })}>
                          Logs
                        </button>
                        <button className="btn" onClick={() => setOpen({ kind: 'inspect', container: c })}>
                          Inspect
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <StackSettings reachable={reachable} />
        {reachable && <ImagesCard />}
        {reachable && <VolumesCard />}
      </div>
      {open && <ContainerDialogs open={open} onClose={() => setOpen(null)} />}
    </>
  );
}
