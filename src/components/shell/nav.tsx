'use client';

import * as RadixDialog from '@radix-ui/react-dialog';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';
import { signOut } from '@/lib/client/auth';

export interface NavItem {
  href: string;
  label: string;
}

/** A page is current for its own link and for the pages under it (/peers/3 under Peers). */
const isCurrent = (path: string, href: string) => path === href || (href !== '/portal' && path.startsWith(`${href}/`));

export function NavLinks({ items, onNavigate }: { items: NavItem[]; onNavigate?: () => void }) {
  const path = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      {items.map((item) => (
        <Link
          key={item.href}
          href={item.href}
          aria-current={isCurrent(path, item.href) ? 'page' : undefined}
          onClick={onNavigate}
        >
          {item.label}
        </Link>
      ))}
    </nav>
  );
}

export function SignOutButton() {
  // Disabled until hydrated: a click before React attaches its handler would do nothing.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  return (
    <button type="button" className="btn" disabled={!ready} onClick={() => void signOut()}>
      Sign out
    </button>
  );
}

/** Who is signed in, and the way out: at the foot of the sidebar and of the phone's menu. */
export function SignedInAs({ username }: { username: string }) {
  return (
    <div className="sidebar-foot">
      <span className="muted">
        Signed in as <strong>{username}</strong>
      </span>
      <SignOutButton />
    </div>
  );
}

/** On a phone the navigation sits behind a Menu button, in a sheet that closes on a choice. */
export function MobileNav({ items, username }: { items: NavItem[]; username: string }) {
  const [open, setOpen] = useState(false);
  return (
    <RadixDialog.Root open={open} onOpenChange={setOpen}>
      <RadixDialog.Trigger className="btn">Menu</RadixDialog.Trigger>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="dialog-backdrop" />
        <RadixDialog.Content className="sheet" aria-describedby={undefined}>
          <div className="dialog-head">
            <RadixDialog.Title>Menu</RadixDialog.Title>
            <RadixDialog.Close className="btn">Close</RadixDialog.Close>
          </div>
          <NavLinks items={items} onNavigate={() => setOpen(false)} />
          <SignedInAs username={username} />
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
