import { NetworkView } from './network-view';

export const metadata = { title: 'Network services' };

export default function NetworkPage() {
  return <NetworkView />;
}
