'use client';

import type { ReactNode } from 'react';
import { Dialog } from './dialog';
import { Alert } from './ui';

/** Asks before a destructive step; the server's refusal shows in place. */
export function ConfirmDialog({
  title,
  confirmLabel,
  pending,
  error,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  pending: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="stack">
        <p>{children}</p>
        {error && <Alert kind="error">{error}</Alert>}
        <div className="row">
          <button className="btn btn-danger" disabled={pending} onClick={onConfirm}>
            {confirmLabel}
          </button>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </Dialog>
  );
}
