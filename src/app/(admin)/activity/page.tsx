import { ActivityView } from './activity-view';

export const metadata = { title: 'Activity' };

export default function ActivityPage() {
  return <ActivityView />;
}
