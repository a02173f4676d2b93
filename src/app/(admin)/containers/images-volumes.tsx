'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Field } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { formatBytes } from '@/lib/format';

/** Images on the engine, and a pull with the engine's own progress. */
export function ImagesCard() {
  const utils = trpc.useUtils();
  const images = trpc.containers.images.useQuery();
  const [jobId, setJobId] = useState<string | null>(null);
  const pull = trpc.containers.pull.useMutation({ onSuccess: (job) => setJobId(job.id) });
  const job = trpc.containers.pullStatus.useQuery(
    { jobId: jobId ?? '0000000000000000' },
    {
      enabled: jobId !== null,
      refetchInterval: (q) => (q.state.data?.state === 'running' ? 500 : false),
    },
  );
  const j = job.data;
  const finished = j?.state === 'done';
  useEffect(() => {
    if (finished) void utils.containers.images.invalidate();
  }, [finished, utils]);

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setJobId(null);
    pull.mutate({ image: String(new FormData(e.currentTarget).get('image') ?? '') });
  };
  return (
    <div className="card stack" data-testid="images">
      <h2>Images</h2>
      <form className="row" onSubmit={submit}>
        <Field
          label="Pull an image"
          name="image"
          placeholder="caddy:2.10-alpine"
          errors={fieldErrorsOf(pull.error).image}
        />
        <button className="btn" disabled={pull.isPending || j?.state === 'running'}>
          Pull
        </button>
      </form>
      {pull.error && !fieldErrorsOf(pull.error).image && <Alert kind="error">{pull.error.message}</Alert>}
      {j && (
        <div data-testid="pull">
          <div className="row small">
            <strong>{j.image}</strong> <span className="muted">{j.state === 'failed' ? 'failed' : j.status}</span>
          </div>
          <progress max={100} value={j.percent} aria-label={`Pulling ${j.image}`} style={{ width: '100%' }} />
          {j.state === 'failed' && <Alert kind="error">Pull failed: {j.error}</Alert>}
          {j.state === 'done' && <Alert kind="ok">Pulled {j.image}.</Alert>}
        </div>
      )}
      {images.error && <Alert kind="error">{images.error.message}</Alert>}
      {images.data && (
        <table className="table small">
          <tbody>
            {images.data.map((i) => (
              <tr key={i.id}>
                <td>
                  <code>{i.tags.join(', ') || i.id.slice(7, 19)}</code>
                </td>
                <td>{formatBytes(i.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Named volumes; removing one that a container uses is refused with its users. */
export function VolumesCard() {
  const utils = trpc.useUtils();
  const volumes = trpc.containers.volumes.list.useQuery();
  const create = trpc.containers.volumes.create.useMutation({
    onSuccess: () => void utils.containers.volumes.invalidate(),
  });
  const remove = trpc.containers.volumes.remove.useMutation({
    onSuccess: () => void utils.containers.volumes.invalidate(),
  });
  const [confirm, setConfirm] = useState<string | null>(null);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate({ name: String(new FormData(form).get('name') ?? '') }, { onSuccess: () => form.reset() });
  };
  return (
    <div className="card stack" data-testid="volumes">
      <h2>Volumes</h2>
      <form className="row" onSubmit={submit}>
        <Field label="New volume" name="name" placeholder="photos" errors={fieldErrorsOf(create.error).name} />
        <button className="btn" disabled={create.isPending}>
          Create
        </button>
      </form>
      {remove.error && <Alert kind="error">{remove.error.message}</Alert>}
      {volumes.error && <Alert kind="error">{volumes.error.message}</Alert>}
      {volumes.data &&
        (volumes.data.length ? (
          <table className="table small">
            <tbody>
              {volumes.data.map((v) => (
                <tr key={v.name} data-volume={v.name}>
                  <td>
                    <code>{v.name}</code>
                  </td>
                  <td>{v.usedBy.length ? `used by ${v.usedBy.join(', ')}` : <span className="muted">unused</span>}</td>
                  <td>
                    {confirm === v.name ? (
                      <span className="row">
                        <button
                          className="btn btn-danger"
                          disabled={remove.isPending}
                          onClick={() => remove.mutate({ name: v.name }, { onSettled: () => setConfirm(null) })}
                        >
                          Delete {v.name} and its data
                        </button>
                        <button className="btn" onClick={() => setConfirm(null)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button className="btn btn-danger" onClick={() => setConfirm(v.name)}>
                        Delete
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted small">No volumes.</p>
        ))}
    </div>
  );
}
