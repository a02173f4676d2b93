import { AccountView } from '@/components/account-view';

export const metadata = { title: 'Account' };

export default function PortalAccountPage() {
  return <AccountView />;
}
