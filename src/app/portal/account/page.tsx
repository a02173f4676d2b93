import { AccountView } from '@/components/account-view';

export default function PortalAccountPage() {
  return <AccountView />;
}
