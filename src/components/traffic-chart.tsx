'use client';

import * as Tabs from '@radix-ui/react-tabs';
import { LineChart } from '@/components/chart';
import { trpc } from '@/lib/client/trpc';
import { formatBytes } from '@/lib/format';
import { TRAFFIC_RANGES, type TrafficRange } from '@/lib/schemas/peers';

const RANGE_LABEL: Record<TrafficRange, string> = { hour: 'Hour', day: 'Day', week: 'Week' };
const SINCE: Record<TrafficRange, string> = { hour: '1 h ago', day: '24 h ago', week: '7 days ago' };

/** A peer's traffic over the last hour, day or week, the range chosen in tabs. */
export function TrafficChart({
  id,
  name,
  range,
  onRange,
}: {
  id: number;
  name: string;
  range: TrafficRange;
  onRange: (range: TrafficRange) => void;
}) {
  const traffic = trpc.peers.traffic.useQuery({ id, range }, { refetchInterval: 30_000 });
  const points = traffic.data?.points ?? [];
  const rx = points.map((p) => p.rx);
  const tx = points.map((p) => p.tx);
  const sum = (v: number[]) => formatBytes(v.reduce((a, b) => a + b, 0));
  return (
    <Tabs.Root value={range} onValueChange={(v) => onRange(v as TrafficRange)}>
      <Tabs.List className="tabs" aria-label="Time range">
        {TRAFFIC_RANGES.map((r) => (
          <Tabs.Trigger key={r} value={r} className="tab">
            {RANGE_LABEL[r]}
          </Tabs.Trigger>
        ))}
      </Tabs.List>
      {TRAFFIC_RANGES.map((r) => (
        <Tabs.Content key={r} value={r} className="tab-panel">
          {traffic.error && <p className="alert alert-error">{traffic.error.message}</p>}
          {r === range && traffic.data && (
            <LineChart
              series={[
                { label: 'From the device', values: rx, className: 'chart-rx' },
                { label: 'To the device', values: tx, className: 'chart-tx' },
              ]}
              from={SINCE[r]}
              to="now"
              summary={`${name} over the last ${r}: ${sum(rx)} from the device, ${sum(tx)} to it.`}
            />
          )}
        </Tabs.Content>
      ))}
    </Tabs.Root>
  );
}
