'use client';

import * as RadixMenu from '@radix-ui/react-dropdown-menu';
import type { ReactNode } from 'react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

/** A row's actions behind one "…" button: keyboard-operable, labelled with what it acts on. */
export function ActionsMenu({ label, items, children }: { label: string; items: MenuItem[]; children?: ReactNode }) {
  return (
    <RadixMenu.Root modal={false}>
      <RadixMenu.Trigger className="btn btn-icon" aria-label={label}>
        …
      </RadixMenu.Trigger>
      <RadixMenu.Portal>
        <RadixMenu.Content
          className="menu"
          align="end"
          sideOffset={4}
          collisionPadding={8}
          // An item that opened a dialog keeps focus there; the dialog gives it back to this button.
          onCloseAutoFocus={(e) => document.activeElement?.closest('[role="dialog"]') && e.preventDefault()}
        >
          {items.map((item) => (
            <RadixMenu.Item
              key={item.label}
              className={`menu-item${item.danger ? ' menu-danger' : ''}`}
              disabled={item.disabled}
              onSelect={item.onSelect}
            >
              {item.label}
            </RadixMenu.Item>
          ))}
          {children}
        </RadixMenu.Content>
      </RadixMenu.Portal>
    </RadixMenu.Root>
  );
}
