import { NetworkView } from './network-view';

export default function NetworkPage() {
  return <NetworkView />;
}
