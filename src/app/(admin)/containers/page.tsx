import { ContainersView } from './containers-view';

export const metadata = { title: 'Containers' };

export default function ContainersPage() {
  return <ContainersView />;
}
