import { WireguardView } from './wireguard-view';

export const metadata = { title: 'WireGuard' };

export default function WireguardPage() {
  return <WireguardView />;
}
