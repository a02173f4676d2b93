import { PeersView } from './peers-view';

export const metadata = { title: 'Peers' };

export default function PeersPage() {
  return <PeersView />;
}
