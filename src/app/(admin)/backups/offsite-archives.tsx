'use client';

import { useState } from 'react';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { BackupOperation } from './backup-operation';

/** An archive's size as the Backups page shows it. */
export const archiveSize = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * The archives on the target, for a cell that lost its own: one is fetched back as an upload
 * (checked as one, its progress shown as it arrives), then restored as any upload is.
 */
export function OffsiteArchives({ onFetched }: { onFetched: (backup: { id: string; name: string }) => void }) {
  const [shown, setShown] = useState(false);
  const archives = trpc.backup.offsiteArchives.useQuery(undefined, { enabled: shown });
  const fetchOne = trpc.backup.fetchOffsite.useMutation();
  /** The fetch asked for last: shown, with its progress and how it ended, until another is asked for. */
  const [fetching, setFetching] = useState<{
    name: string;
    operationId?: string;
    uploadId?: string;
    ended?: boolean;
  } | null>(null);
  const busy = fetching !== null && !fetching.ended;

  if (!shown)
    return (
      <button type="button" className="btn" onClick={() => setShown(true)}>
        List the archives there
      </button>
    );
  return (
    <section className="stack" aria-label="Archives off-site">
      <h3>Archives there</h3>
      {archives.isLoading && <p className="muted">Asking the target…</p>}
      {archives.error && <Alert kind="error">{archives.error.message}</Alert>}
      {fetchOne.error && <Alert kind="error">{fetchOne.error.message}</Alert>}
      {archives.data?.length === 0 && <p className="muted">No archives there yet.</p>}
      {archives.data && archives.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Archive</th>
              <th scope="col">Size</th>
              <th scope="col">Sent</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {archives.data.map((a) => (
              <tr key={a.name}>
                <th scope="row" className="mono">
                  {a.name}
                </th>
                <td>{archiveSize(a.size)}</td>
                <td>{a.modifiedAt ? a.modifiedAt.toLocaleString() : '—'}</td>
                <td>
                  <button
                    type="button"
                    className="btn"
                    disabled={busy}
                    aria-label={`Fetch ${a.name} and restore`}
                    onClick={() => {
                      setFetching({ name: a.name });
                      fetchOne.mutate(
                        { name: a.name },
                        {
                          onSuccess: (r) => setFetching({ name: a.name, ...r }),
                          onError: () => setFetching(null),
                        },
                      );
                    }}
                  >
                    {busy && fetching.name === a.name ? 'Fetching…' : 'Fetch and restore'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {fetching?.operationId && (
        <BackupOperation
          key={fetching.operationId}
          operationId={fetching.operationId}
          onEnd={(ok) => {
            setFetching({ ...fetching, ended: true });
            if (ok) onFetched({ id: fetching.uploadId!, name: fetching.name });
          }}
        />
      )}
    </section>
  );
}
