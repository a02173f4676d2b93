import type { ReactNode } from 'react';
import { Shell } from '@/components/shell/shell';
import { requirePage } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { getSettings } from '@/server/managers/settings';

export const dynamic = 'force-dynamic';

const PORTAL_NAV = [
  { href: '/portal', label: 'My Services' },
  { href: '/portal/account', label: 'Account' },
];

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const session = await requirePage('peer');
  const settings = getSettings(getDb());
  return (
    <Shell title={settings.cellName} subtitle="Peer portal" items={PORTAL_NAV} username={session.username}>
      {children}
    </Shell>
  );
}
