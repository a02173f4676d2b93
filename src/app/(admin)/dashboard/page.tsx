import { DashboardView } from './dashboard-view';

export const metadata = { title: 'Dashboard' };

export default function Page() {
  return <DashboardView />;
}
