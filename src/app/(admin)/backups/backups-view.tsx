'use client';

import { useState } from 'react';
import { DataTable } from '@/components/data-table';
import { Dialog } from '@/components/dialog';
import { ActionsMenu } from '@/components/menu';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { CreateForm, RestoreForm } from './backup-forms';
import { OffsiteForm } from './backup-offsite';
import { archiveSize, OffsiteArchives } from './offsite-archives';
import { BackupOperation } from './backup-operation';
import { BackupSettingsForm } from './backup-settings';

const offsiteTarget = (o: { target: { kind: string } } | undefined) => Boolean(o && o.target.kind !== 'none');

const TRIGGER = { manual: 'by hand', schedule: 'scheduled', cli: 'command line', upload: 'uploaded' } as const;

type Open =
  | { kind: 'create' }
  | { kind: 'restore'; id?: string; name: string; encryption?: string }
  | { kind: 'copy'; operationId: string; name: string }
  | null;

export function BackupsView() {
  const utils = trpc.useUtils();
  const list = trpc.backup.list.useQuery();
  const settings = trpc.backup.settings.useQuery();
  const offsite = trpc.backup.offsite.useQuery();

  const remove = trpc.backup.delete.useMutation({ onSuccess: () => utils.backup.list.invalidate() });
  const copyOff = trpc.backup.copyOffsite.useMutation();
  const offsiteSet = offsiteTarget(offsite.data);
  const [open, setOpen] = useState<Open>(null);
  const close = () => {
    setOpen(null);
    void utils.backup.invalidate();
  };
  const ended = () => void utils.backup.invalidate();
  const verified = list.data
    ?.filter((b) => b.verifiedAt)
    .sort((a, b) => b.verifiedAt!.getTime() - a.verifiedAt!.getTime())[0];

  return (
    <>
      <PageHead
        title="Backups"
        subtitle="Archives of the whole cell, encrypted with age, each decrypted again and checked once made."
        actions={
          <>
            <button className="btn" onClick={() => setOpen({ kind: 'restore', name: 'an archive' })}>
              Restore from a file
            </button>
            <button className="btn btn-primary" onClick={() => setOpen({ kind: 'create' })}>
              Back up now
            </button>
          </>
        }
      />
      <div className="stack">
        {(list.error ?? remove.error ?? copyOff.error) && (
          <Alert kind="error">{(list.error ?? remove.error ?? copyOff.error)!.message}</Alert>
        )}
        {list.data &&
          (verified ? (
            <Alert kind="ok">
              <span data-testid="last-verified">
                Last verified restorable: {verified.verifiedAt!.toLocaleString()} ({verified.name})
              </span>
            </Alert>
          ) : (
            <Alert kind="warn">
              <span data-testid="last-verified">No backup has been verified restorable yet.</span>
            </Alert>
          ))}
        <div className="card table-wrap">
          <h2>Archives</h2>
          <DataTable
            label="Backups"
            rows={list.data}
            rowKey={(b) => b.id}
            rowTestId={(b) => `backup-${b.id}`}
            empty="No backups yet."
            columns={[
              {
                header: 'Made',
                cell: (b) => (
                  <>
                    {b.createdAt.toLocaleString()}
                    <div className="muted small mono">{b.name}</div>
                  </>
                ),
              },
              { header: 'How', cell: (b) => `${TRIGGER[b.trigger]}, ${b.encryption}` },
              { header: 'Size', cell: (b) => (b.size ? `${archiveSize(b.size)} · ${b.items} items` : '—') },
              {
                header: 'Restorable',
                cell: (b) =>
                  b.state !== 'ready' ? (
                    <span className={`badge ${b.state === 'failed' ? 'badge-bad' : 'badge-warn'}`}>{b.state}</span>
                  ) : b.verifiedAt ? (
                    <span className="badge badge-ok">verified {b.verifiedAt.toLocaleDateString()}</span>
                  ) : b.verifyError ? (
                    <span className="badge badge-bad" title={b.verifyError}>
                      check failed
                    </span>
                  ) : (
                    <span className="badge">{b.trigger === 'upload' ? 'checked at restore' : 'not checked'}</span>
                  ),
              },
              {
                header: 'Off-site',
                cell: (b) =>
                  b.offsiteAt ? (
                    <span className="badge badge-ok">copied {b.offsiteAt.toLocaleDateString()}</span>
                  ) : b.offsiteError ? (
                    <>
                      <span className="badge badge-bad">copy failed</span>
                      <div className="muted small">{b.offsiteError}</div>
                    </>
                  ) : (
                    '—'
                  ),
              },
              {
                header: 'Actions',
                className: 'row-menu',
                cell: (b) => (
                  <ActionsMenu
                    label={`Actions for ${b.name}`}
                    items={[
                      ...(b.state === 'ready'
                        ? [
                            { label: 'Download', onSelect: () => window.location.assign(`/api/backups/${b.id}`) },
                            {
                              label: 'Restore',
                              onSelect: () =>
                                setOpen({ kind: 'restore', id: b.id, name: b.name, encryption: b.encryption }),
                            },
                          ]
                        : []),
                      ...(b.state === 'ready' && b.verifiedAt && offsiteSet
                        ? [
                            {
                              label: b.offsiteAt ? 'Copy off-site again' : 'Copy off-site',
                              onSelect: () =>
                                copyOff.mutate(
                                  { id: b.id },
                                  {
                                    onSuccess: (r) =>
                                      setOpen({ kind: 'copy', operationId: r.operationId, name: b.name }),
                                  },
                                ),
                            },
                          ]
                        : []),
                      { label: 'Delete', danger: true, onSelect: () => remove.mutate({ id: b.id }) },
                    ]}
                  />
                ),
              },
            ]}
          />
        </div>
        <div className="card">
          <h2>Schedule and retention</h2>
          {settings.data && <BackupSettingsForm settings={settings.data} />}
        </div>
        <div className="card">
          <h2>Off-site copy</h2>
          {offsite.error && <Alert kind="error">{offsite.error.message}</Alert>}
          {offsite.data && <OffsiteForm offsite={offsite.data} />}
          {offsiteSet && (
            <OffsiteArchives
              onFetched={(b) => {
                void utils.backup.list.invalidate();
                setOpen({ kind: 'restore', id: b.id, name: b.name });
              }}
            />
          )}
        </div>
      </div>
      {open?.kind === 'create' && (
        <Dialog title="Back up now" onClose={close}>
          <CreateForm recipient={Boolean(settings.data?.recipient)} onEnd={ended} />
        </Dialog>
      )}
      {open?.kind === 'copy' && (
        <Dialog title={`Copy ${open.name} off-site`} onClose={close}>
          <BackupOperation operationId={open.operationId} onEnd={ended} />
        </Dialog>
      )}
      {open?.kind === 'restore' && (
        <Dialog title={`Restore ${open.name}`} onClose={close}>
          <RestoreForm id={open.id} encryption={open.encryption} onEnd={ended} />
        </Dialog>
      )}
    </>
  );
}
