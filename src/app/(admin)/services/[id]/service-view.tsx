'use client';

import Link from 'next/link';
import { useState } from 'react';
import { Dialog } from '@/components/dialog';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { OperationSteps } from '../operation-steps';
import { AccountsCard } from './accounts-card';
import { AliasesCard } from './aliases-card';
import { RecordsCard } from './records-card';

function RemoveDialog({
  id,
  onClose,
  onStarted,
}: {
  id: string;
  onClose: () => void;
  onStarted: (op: string) => void;
}) {
  const remove = trpc.store.remove.useMutation();
  const [keepData, setKeepData] = useState(true);
  return (
    <Dialog title={`Remove ${id}`} onClose={onClose}>
      <div className="stack">
        <fieldset className="choices">
          <legend>Its data</legend>
          <label className="choice">
            <input type="radio" name="data" checked={keepData} onChange={() => setKeepData(true)} /> Keep the data
            volumes (installing it again finds them)
          </label>
          <label className="choice">
            <input type="radio" name="data" checked={!keepData} onChange={() => setKeepData(false)} /> Delete the data
            volumes too
          </label>
        </fieldset>
        {remove.error && <Alert kind="error">{remove.error.message}</Alert>}
        <div className="row">
          <button
            className="btn btn-danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate({ instanceId: id, keepData }, { onSuccess: (r) => onStarted(r.operationId) })}
          >
            Remove {id}
          </button>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function Logs({ container }: { container: string }) {
  const logs = trpc.containers.logs.useQuery({ id: container, tail: 100 }, { retry: false });
  if (logs.error) return <p className="muted small">{logs.error.message}</p>;
  return (
    <pre className="logs" aria-label={`Output of ${container}`}>
      {(logs.data ?? []).map((l) => l.text).join('\n') || 'Nothing yet.'}
    </pre>
  );
}

export function ServiceView({ id }: { id: string }) {
  const utils = trpc.useUtils();
  const installed = trpc.store.installed.useQuery(undefined, { refetchInterval: 5000 });
  const operations = trpc.store.operations.useQuery({ instanceId: id || undefined });
  const update = trpc.store.update.useMutation();
  const [removing, setRemoving] = useState(false);
  const [current, setCurrent] = useState<string | null>(null);
  const service = installed.data?.find((s) => s.id === id);
  const siblings = installed.data?.filter((s) => service && s.manifestId === service.manifestId && s.id !== id) ?? [];
  const ended = () => {
    void utils.store.invalidate();
  };
  const running = operations.data?.find((o) => o.state === 'running');
  const shown = current ?? running?.id ?? null;

  if (installed.data && !service)
    return (
      <>
        <PageHead title={id || 'Service'} />
        <div className="stack">
          <Alert kind="warn">No installed service {id}.</Alert>
          {shown && <OperationSteps operationId={shown} onEnd={ended} />}
          <Link href="/services">Back to Services</Link>
        </div>
      </>
    );
  if (!service) return <PageHead title={id} />;
  return (
    <>
      <PageHead
        title={service.name}
        subtitle={`${service.id} · version ${service.version} · ${service.state}`}
        actions={
          <div className="row">
            {service.update && (
              <button
                className="btn btn-primary"
                disabled={update.isPending || service.state !== 'installed'}
                onClick={() => update.mutate({ instanceId: id }, { onSuccess: (r) => setCurrent(r.operationId) })}
              >
                Update to {service.update.version}
              </button>
            )}
            <button
              className="btn btn-danger"
              disabled={service.state !== 'installed'}
              onClick={() => setRemoving(true)}
            >
              Remove
            </button>
          </div>
        }
      />
      <div className="stack">
        {update.error && <Alert kind="error">{update.error.message}</Alert>}
        {shown && (
          <section className="card stack" aria-labelledby="op-head">
            <h2 id="op-head">In progress</h2>
            <OperationSteps operationId={shown} onEnd={ended} />
          </section>
        )}
        <section className="card stack" aria-labelledby="status-head">
          <h2 id="status-head">Status</h2>
          <dl className="kv">
            <dt>Container</dt>
            <dd data-testid="container-state">
              {service.container === null
                ? 'the engine is not reachable'
                : service.container.running
                  ? `running (${service.container.id})`
                  : 'not running'}
            </dd>
            <dt>Image</dt>
            <dd className="mono small">{service.image}</dd>
            <dt>Address</dt>
            <dd>{service.address} on the cell network</dd>
            <dt>Names</dt>
            <dd>{service.names.join(', ') || '—'}</dd>
            <dt>Routes</dt>
            <dd>
              {service.routes.length
                ? service.routes.map((r) => (
                    <div key={`${r.host}${r.path}`}>
                      {r.host}
                      {r.path} → {r.upstream} ({r.access === 'peers' ? 'peers only' : 'public'})
                    </div>
                  ))
                : '—'}
            </dd>
            <dt>Ports</dt>
            <dd>
              {service.ports.length
                ? service.ports
                    .map(
                      (p) => `${p.name} ${p.container}/${p.protocol}${p.publish ? ` published on ${p.publish}` : ''}`,
                    )
                    .join(', ')
                : '—'}
            </dd>
            {service.answers.map((a) => (
              <div key={a.name} className="contents">
                <dt>{a.label}</dt>
                <dd>{String(a.value)}</dd>
              </div>
            ))}
          </dl>
        </section>
        {service.accounts && <AccountsCard instanceId={service.id} />}
        {service.aliases && <AliasesCard instanceId={service.id} />}
        <RecordsCard instanceId={service.id} />
        {siblings.length > 0 && (
          <section className="card stack" aria-labelledby="instances-head">
            <h2 id="instances-head">Other instances</h2>
            <ul>
              {siblings.map((s) => (
                <li key={s.id}>
                  <Link href={`/services/${s.id}`}>{s.id}</Link> · {s.state}
                </li>
              ))}
            </ul>
          </section>
        )}
        <section className="card stack" aria-labelledby="logs-head">
          <h2 id="logs-head">Logs</h2>
          <Logs container={`cell-svc-${service.id}`} />
        </section>
        <section className="card stack" aria-labelledby="history-head">
          <h2 id="history-head">History</h2>
          <ul>
            {(operations.data ?? []).map((o) => (
              <li key={o.id}>
                {o.kind} · {o.state} · {new Date(o.startedAt).toLocaleString()}
                {o.error ? ` · ${o.error}` : ''}
              </li>
            ))}
          </ul>
        </section>
      </div>
      {removing && (
        <RemoveDialog
          id={id}
          onClose={() => setRemoving(false)}
          onStarted={(op) => {
            setRemoving(false);
            setCurrent(op);
          }}
        />
      )}
    </>
  );
}
