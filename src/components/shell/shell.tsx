import type { ReactNode } from 'react';
import { MobileNav, NavLinks, SignedInAs, type NavItem } from './nav';

function Brand({ title, subtitle }: { title: string; subtitle: string }) {
  return (
    <div className="brand">
      <span className="brand-mark" aria-hidden>
        PIC
      </span>
      <span>
        {title}
        <small>{subtitle}</small>
      </span>
    </div>
  );
}

/**
 * The frame around every signed-in page: brand, navigation, who is signed in. On a wide
 * screen a sidebar; on a phone a top bar whose Menu button opens the navigation.
 */
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
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <aside className="sidebar">
        <Brand title={title} subtitle={subtitle} />
        <NavLinks items={items} />
        <SignedInAs username={username} />
      </aside>
      <header className="topbar">
        <Brand title={title} subtitle={subtitle} />
        <MobileNav items={items} username={username} />
      </header>
      <main className="main" id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
