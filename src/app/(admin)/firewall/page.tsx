import { FirewallView } from './firewall-view';

export const metadata = { title: 'Firewall' };

export default function FirewallPage() {
  return <FirewallView />;
}
