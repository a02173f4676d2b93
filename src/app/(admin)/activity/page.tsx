import { AUDIT_OUTCOMES } from '@/lib/schemas/audit';
import { ActivityView } from './activity-view';

export const metadata = { title: 'Activity' };

export default async function ActivityPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { outcome } = await searchParams;
  const initial = AUDIT_OUTCOMES.find((o) => o === outcome);
  return <ActivityView initialOutcome={initial} />;
}
