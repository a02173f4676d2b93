'use client';

import { Sparkline } from '@/components/chart';
import { trpc } from '@/lib/client/trpc';
import { formatBytes } from '@/lib/format';
import type { PeerRow } from './peer-row';

/** Enabled, disabled or expired, with when it expires. */
export function PeerStatus({ peer }: { peer: Pick<PeerRow, 'active' | 'disabledReason' | 'expiresAt'> }) {
  return (
    <>
      {peer.active ? (
        <span className="badge badge-ok">enabled</span>
      ) : (
        <span className="badge badge-warn">{peer.disabledReason ?? 'disabled'}</span>
      )}
      {peer.expiresAt && peer.active && <div className="muted small">until {peer.expiresAt.toLocaleDateString()}</div>}
    </>
  );
}

/** The last hour of a peer's traffic as a small line, with its totals. */
export function PeerSparkline({ id, name }: { id: number; name: string }) {
  const traffic = trpc.peers.traffic.useQuery({ id, range: 'hour' }, { refetchInterval: 30_000 });
  const points = traffic.data?.points;
  if (!points) return <span className="muted small">—</span>;
  const rx = points.reduce((a, p) => a + p.rx, 0);
  const tx = points.reduce((a, p) => a + p.tx, 0);
  return (
    <div className="spark-cell">
      <Sparkline
        values={points.map((p) => p.rx + p.tx)}
        label={`${name} in the last hour: ${formatBytes(rx)} from it, ${formatBytes(tx)} to it`}
      />
      <span className="muted small">
        ↑{formatBytes(rx)} ↓{formatBytes(tx)}
      </span>
    </div>
  );
}
