import { RoutingView } from './routing-view';

export default function RoutingPage() {
  return <RoutingView />;
}
