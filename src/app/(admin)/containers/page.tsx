import { ContainersView } from './containers-view';

export default function ContainersPage() {
  return <ContainersView />;
}
