import type { ReactNode } from 'react';
import { NavLinks, SignOutButton } from './nav';

export interface NavItem {
  href: string;
  label: string;
}

/** The responsive frame around every signed-in page: brand, navigation, who is signed in. */
export function Shell({
  title,
  subtitle,
  items,
  username,
  children,
}: {
  title: string;
  subtitle: string;
  items: NavItem[];
  username: string;
  children: ReactNode;
}) {
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            PIC
          </span>
          <span>
            {title}
            <small>{subtitle}</small>
          </span>
        </div>
        <NavLinks items={items} />
        <div className="sidebar-foot">
          <span className="muted">
            Signed in as <strong>{username}</strong>
          </span>
          <SignOutButton />
        </div>
      </aside>
      <main className="main">{children}</main>
    </div>
  );
}
