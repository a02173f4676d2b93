import type { ReactNode } from 'react';
import { Shell } from '@/components/shell/shell';
import { requirePage } from '@/server/auth/page-session';
import { getDb } from '@/server/db';
import { getSettings } from '@/server/managers/settings';

export const dynamic = 'force-dynamic';

const ADMIN_NAV = [
  { href: '/dashboard', label: 'Dashboard' },
  { href: '/peers', label: 'Peers' },
  { href: '/wireguard', label: 'WireGuard' },
  { href: '/network', label: 'Network services' },
  { href: '/routes', label: 'Routes' },
  { href: '/firewall', label: 'Firewall' },
  { href: '/services', label: 'Services' },
  { href: '/containers', label: 'Containers' },
  { href: '/vault', label: 'Vault' },
  { href: '/backups', label: 'Backups' },
  { href: '/logs', label: 'Logs' },
  { href: '/activity', label: 'Activity' },
  { href: '/settings', label: 'Settings' },
  { href: '/account', label: 'Account' },
];

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const session = await requirePage('admin');
  const settings = getSettings(getDb());
  return (
    <Shell title={settings.cellName} subtitle={settings.domain} items={ADMIN_NAV} username={session.username}>
      {children}
    </Shell>
  );
}
