import { RoutesView } from './routes-view';

export const metadata = { title: 'Routes' };

export default function RoutesPage() {
  return <RoutesView />;
}
