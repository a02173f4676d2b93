import { RoutesView } from './routes-view';

export default function RoutesPage() {
  return <RoutesView />;
}
