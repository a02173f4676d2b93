import { WireguardView } from './wireguard-view';

export default function WireguardPage() {
  return <WireguardView />;
}
