import type { inferRouterOutputs } from '@trpc/server';
import { LineChart } from '@/components/chart';
import { formatBytes } from '@/lib/format';
import type { AppRouter } from '@/server/routers/_app';

type Point = inferRouterOutputs<AppRouter>['dashboard']['summary']['traffic'][number];

const time = (d: Date | undefined) => d?.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) ?? '';
const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The tunnel over the last 24 hours: bytes each way, and how many peers were online. */
export function TrafficCards({ points }: { points: Point[] }) {
  const rx = points.map((p) => p.rx);
  const tx = points.map((p) => p.tx);
  const online = points.map((p) => p.online);
  const from = `24 h ago (${time(points[0]?.at)})`;
  return (
    <div className="grid grid-wide">
      <div className="card">
        <h2>Traffic, last 24 h</h2>
        <LineChart
          series={[
            { label: 'From peers', values: rx, className: 'chart-rx' },
            { label: 'To peers', values: tx, className: 'chart-tx' },
          ]}
          from={from}
          to="now"
          summary={`Over the last 24 hours peers sent ${formatBytes(total(rx))} and received ${formatBytes(total(tx))}.`}
        />
      </div>
      <div className="card">
        <h2>Peers online, last 24 h</h2>
        <LineChart
          series={[{ label: 'Most at once', values: online, className: 'chart-online' }]}
          from={from}
          to="now"
          format={(n) => String(n)}
          totals={false}
          summary={`At most ${Math.max(0, ...online)} peers were online at once over the last 24 hours.`}
        />
      </div>
    </div>
  );
}
