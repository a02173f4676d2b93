import { LogsView } from './logs-view';

export const metadata = { title: 'Logs' };

export default function LogsPage() {
  return <LogsView />;
}
