'use client';

import { useState } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { Dialog } from '@/components/dialog';
import { ActionsMenu } from '@/components/menu';
import { PeerConfig } from '@/components/peer-config';
import { trpc } from '@/lib/client/trpc';
import { PeerForm } from './peer-form';
import { PeerLoginForm } from './peer-login';
import type { PeerRow } from './peer-row';

type Open = 'qr' | 'edit' | 'login' | 'rotate' | 'delete' | null;

/** A peer's actions in one menu, and the dialogs they open. */
export function PeerActions({
  peer,
  onApplied,
  onRemoved,
}: {
  peer: PeerRow;
  onApplied: (apply: ApplyState) => void;
  /** After a delete: the peer page leaves for the list. */
  onRemoved?: () => void;
}) {
  const utils = trpc.useUtils();
  const [open, setOpen] = useState<Open>(null);
  const [newKey, setNewKey] = useState('');
  const done = (apply: ApplyState) => {
    setOpen(null);
    onApplied(apply);
    void utils.peers.invalidate();
  };
  const setEnabled = trpc.peers.setEnabled.useMutation({ onSuccess: (r) => done(r.apply) });
  const rotate = trpc.peers.rotateKeys.useMutation({ onSuccess: (r) => done(r.apply) });
  const remove = trpc.peers.remove.useMutation({
    onSuccess: (r) => {
      done(r.apply);
      onRemoved?.();
    },
  });
  const close = () => setOpen(null);

  return (
    <>
      <ActionsMenu
        label={`Actions for ${peer.name}`}
        items={[
          { label: 'QR / config', onSelect: () => setOpen('qr') },
          { label: 'Edit', onSelect: () => setOpen('edit') },
          {
            label: peer.enabled ? 'Disable' : 'Enable',
            disabled: setEnabled.isPending,
            onSelect: () => setEnabled.mutate({ id: peer.id, enabled: !peer.enabled }),
          },
          { label: 'Portal login', onSelect: () => setOpen('login') },
          { label: 'Rotate keys', onSelect: () => setOpen('rotate') },
          { label: 'Delete', danger: true, onSelect: () => setOpen('delete') },
        ]}
      />
      {setEnabled.error && <span className="error small">{setEnabled.error.message}</span>}
      {open === 'qr' && (
        <Dialog title={`Config for ${peer.name}`} onClose={close}>
          <PeerConfig id={peer.id} name={peer.name} ownKey={peer.ownKey} />
        </Dialog>
      )}
      {open === 'edit' && (
        <Dialog title={`Edit ${peer.name}`} onClose={close}>
          <PeerForm peer={peer} onDone={done} />
        </Dialog>
      )}
      {open === 'login' && (
        <Dialog title={`Portal login for ${peer.name}`} onClose={close}>
          <PeerLoginForm peer={peer} />
        </Dialog>
      )}
      {open === 'rotate' && (
        <Dialog title={`Rotate keys of ${peer.name}`} onClose={close}>
          <div className="stack">
            <p>The device stops connecting until it gets the new config (download it or scan the new QR code).</p>
            {peer.ownKey && (
              <div className="field">
                <label htmlFor="f-newKey">New public key</label>
                <input id="f-newKey" value={newKey} onChange={(e) => setNewKey(e.target.value)} />
              </div>
            )}
            {rotate.error && <p className="alert alert-error">{rotate.error.message}</p>}
            <div className="row">
              <button
                className="btn btn-danger"
                disabled={rotate.isPending}
                onClick={() => rotate.mutate({ id: peer.id, publicKey: peer.ownKey ? newKey.trim() : undefined })}
              >
                Rotate keys
              </button>
              <button className="btn" onClick={close}>
                Cancel
              </button>
            </div>
          </div>
        </Dialog>
      )}
      {open === 'delete' && (
        <ConfirmDialog
          title={`Delete ${peer.name}?`}
          confirmLabel={`Delete ${peer.name}`}
          pending={remove.isPending}
          error={remove.error?.message}
          onConfirm={() => remove.mutate({ id: peer.id })}
          onClose={close}
        >
          {peer.name} ({peer.address}) loses access at once
          {peer.login ? `, and its portal login ${peer.login} is removed` : ''}. This cannot be undone.
        </ConfirmDialog>
      )}
    </>
  );
}
