import { PeersView } from './peers-view';

export default function PeersPage() {
  return <PeersView />;
}
