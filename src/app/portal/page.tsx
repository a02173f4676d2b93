import { PortalView } from './portal-view';

export const metadata = { title: 'My Services' };

export default function Page() {
  return <PortalView />;
}
