'use client';

import { useState, type ReactNode } from 'react';
import type { ApplyState } from './apply-notice';
import { ConfirmDialog } from './confirm-dialog';
import type { Column } from './data-table';
import { Dialog } from './dialog';
import { ActionsMenu } from './menu';

/**
 * The list pattern the admin pages share: a row is added or edited in a dialog and removed
 * after a confirmation; what was applied is said afterwards.
 */
export function useRowEditing<T>() {
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const [removing, setRemoving] = useState<T | null>(null);
  return { editing, setEditing, removing, setRemoving };
}

/** The Actions column of such a list: one "…" menu whose Edit opens the dialog and whose Delete asks first. */
export function actionsColumn<T>(
  rows: { setEditing: (row: T) => void; setRemoving: (row: T) => void },
  nameOf: (row: T) => string,
): Column<T> {
  return {
    header: 'Actions',
    className: 'row-menu',
    cell: (row) => (
      <ActionsMenu
        label={`Actions for ${nameOf(row)}`}
        items={[
          { label: 'Edit', onSelect: () => rows.setEditing(row) },
          { label: 'Delete', danger: true, onSelect: () => rows.setRemoving(row) },
        ]}
      />
    ),
  };
}

/** The add or edit dialog around a row's form. */
export function EditDialog<T>({
  editing,
  title,
  onClose,
  children,
}: {
  editing: T | 'new' | null;
  title: (row: T | 'new') => string;
  onClose: () => void;
  children: (initial: T | undefined) => ReactNode;
}) {
  if (editing === null) return null;
  return (
    <Dialog title={title(editing)} onClose={onClose}>
      {children(editing === 'new' ? undefined : editing)}
    </Dialog>
  );
}

interface RemoveMutation<R> {
  mutate: (input: { id: number }, opts: { onSuccess: (r: R) => void }) => void;
  isPending: boolean;
  error: { message: string } | null;
}

/** Asks before removing a row; on success closes, reports what was applied and refreshes the list. */
export function RemoveDialog<T extends { id?: number }, R extends { apply: ApplyState }>({
  removing,
  title,
  mutation,
  onClose,
  onRemoved,
  children,
}: {
  removing: T | null;
  title: string;
  mutation: RemoveMutation<R>;
  onClose: () => void;
  onRemoved: (r: R) => void;
  children: (row: T) => ReactNode;
}) {
  if (!removing) return null;
  return (
    <ConfirmDialog
      title={title}
      confirmLabel={title}
      pending={mutation.isPending}
      error={mutation.error?.message}
      onClose={onClose}
      onConfirm={() =>
        mutation.mutate(
          { id: removing.id! },
          {
            onSuccess: (r) => {
              onClose();
              onRemoved(r);
            },
          },
        )
      }
    >
      {children(removing)}
    </ConfirmDialog>
  );
}
