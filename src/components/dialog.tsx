'use client';

import * as RadixDialog from '@radix-ui/react-dialog';
import { useEffect, useState, type ReactNode } from 'react';

/**
 * What gets focus back when a dialog closes: the element that opened it, or, for a dialog
 * opened from a menu item (gone with its menu), the button that opened the menu.
 */
function openerOf(active: Element | null): HTMLElement | null {
  if (active?.closest('[role="menu"]'))
    return document.querySelector<HTMLElement>('[aria-haspopup="menu"][data-state="open"]');
  return active instanceof HTMLElement && active !== document.body ? active : null;
}

/**
 * A modal dialog, shown while it is rendered. Radix traps focus inside it and closes it on
 * Escape or a click outside; focus goes back to whatever opened it. (Radix returns focus to
 * its own Trigger, which these dialogs, opened by state, do not have.)
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const [opener] = useState(() => (typeof document === 'undefined' ? null : openerOf(document.activeElement)));
  useEffect(
    () => () => {
      setTimeout(() => opener?.isConnected && opener.focus(), 0);
    },
    [opener],
  );
  return (
    <RadixDialog.Root open onOpenChange={(open) => !open && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="dialog-backdrop" />
        <RadixDialog.Content
          className="dialog"
          aria-describedby={undefined}
          onCloseAutoFocus={(e) => e.preventDefault()}
        >
          <div className="dialog-head">
            <RadixDialog.Title>{title}</RadixDialog.Title>
            <RadixDialog.Close className="btn">Close</RadixDialog.Close>
          </div>
          {children}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
