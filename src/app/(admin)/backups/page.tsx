import { BackupsView } from './backups-view';

export const metadata = { title: 'Backups' };

export default function BackupsPage() {
  return <BackupsView />;
}
