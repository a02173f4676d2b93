'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, FieldError } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { RESTART_POLICIES, type ComponentName } from '@/lib/schemas/containers';

type Apply =
  | { state: 'applied'; report: { changed: boolean; components: { action: string }[] } }
  | { state: 'pending'; reason: string };

function ApplyLine({ apply }: { apply: Apply | undefined }) {
  if (!apply) return null;
  if (apply.state === 'pending') return <Alert kind="warn">Saved. {apply.reason}.</Alert>;
  const failed = apply.report.components.filter((c) => c.action === 'failed').length;
  if (failed)
    return <Alert kind="error">Saved, but {failed} component(s) failed to reconcile: see the report above.</Alert>;
  return <Alert kind="ok">Saved and reconciled{apply.report.changed ? '' : ' (nothing to change)'}.</Alert>;
}

/** The desired stack: each component's image, whether it runs, its restart policy; the network's subnet. */
export function StackSettings({ reachable }: { reachable: boolean }) {
  const utils = trpc.useUtils();
  const stack = trpc.containers.stack.useQuery();
  const done = () => void utils.containers.invalidate();
  const component = trpc.containers.updateComponent.useMutation({ onSuccess: done });
  const network = trpc.containers.updateNetwork.useMutation({ onSuccess: done });
  const [editing, setEditing] = useState<ComponentName | null>(null);

  const saveComponent = (e: FormEvent<HTMLFormElement>, name: ComponentName) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    component.mutate(
      {
        component: name,
        image: String(form.get('image') ?? ''),
        restartPolicy: form.get('restartPolicy') as (typeof RESTART_POLICIES)[number],
        ...(name === 'caddy' ? {} : { enabled: form.get('enabled') === 'on' }),
      },
      { onSuccess: () => setEditing(null) },
    );
  };
  const saveNetwork = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    network.mutate({ subnet: String(new FormData(e.currentTarget).get('subnet') ?? '') });
  };
  const errors = fieldErrorsOf(component.error);

  if (!stack.data) return stack.error ? <Alert kind="error">{stack.error.message}</Alert> : null;
  return (
    <div className="card stack" data-testid="stack">
      <h2>Stack</h2>
      <p className="small muted">
        What the cell runs. A change is reconciled at once when the engine is reachable
        {reachable ? '' : ' (it is not now)'}.
      </p>
      <ApplyLine apply={(component.data ?? network.data)?.apply} />
      {component.error && !Object.keys(errors).length && <Alert kind="error">{component.error.message}</Alert>}
      <table className="table">
        <thead>
          <tr>
            <th>Component</th>
            <th>Runs</th>
            <th>Image</th>
            <th>Address</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {stack.data.components.map((c) => (
            <tr key={c.component} data-component={c.component}>
              <td>
                <strong>{c.label}</strong>
                <div className="small muted">{c.role}</div>
              </td>
              <td>{c.enabled ? <span className="badge badge-ok">on</span> : <span className="badge">off</span>}</td>
              <td className="small">
                <code>{c.effectiveImage}</code>
                {c.imageFromEnv && <div className="muted">set by PIC_IMAGE_{c.component.toUpperCase()}</div>}
              </td>
              <td className="small">
                {c.spec?.network.mode === 'cell'
                  ? c.spec.network.ipv4
                  : c.spec?.network.mode === 'host'
                    ? 'host network'
                    : '—'}
              </td>
              <td>
                <button className="btn" onClick={() => setEditing(editing === c.component ? null : c.component)}>
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing &&
        (() => {
          const c = stack.data.components.find((x) => x.component === editing)!;
          return (
            <form className="stack" onSubmit={(e) => saveComponent(e, c.component)} key={c.component}>
              <h3>{c.label}</h3>
              <Field
                label="Image"
                name="image"
                defaultValue={c.image ?? ''}
                placeholder={c.defaultImage}
                hint={`Empty: ${c.defaultImage}`}
                errors={errors.image}
              />
              {c.component !== 'caddy' && (
                <label className="row">
                  <input type="checkbox" name="enabled" defaultChecked={c.enabled} /> Run {c.label}
                  <FieldError errors={errors.enabled} />
                </label>
              )}
              <label className="field">
                Restart policy
                <select name="restartPolicy" defaultValue={c.restartPolicy}>
                  {RESTART_POLICIES.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              </label>
              <div className="row">
                <button className="btn btn-primary" disabled={component.isPending}>
                  {component.isPending ? 'Saving…' : 'Save'}
                </button>
                <button type="button" className="btn" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </div>
            </form>
          );
        })()}
      <form className="row" onSubmit={saveNetwork}>
        <Field
          label="Network subnet"
          name="subnet"
          defaultValue={stack.data.network.subnet}
          disabled={stack.data.network.fromEnv}
          hint={
            stack.data.network.fromEnv
              ? 'Set by PIC_CELL_SUBNET'
              : 'cell-network; every component is re-created on a change'
          }
          errors={fieldErrorsOf(network.error).subnet}
        />
        <button className="btn" disabled={network.isPending || stack.data.network.fromEnv}>
          Save subnet
        </button>
      </form>
      {network.error && !fieldErrorsOf(network.error).subnet && <Alert kind="error">{network.error.message}</Alert>}
    </div>
  );
}
