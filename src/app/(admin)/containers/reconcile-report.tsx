'use client';

import type { inferRouterOutputs } from '@trpc/server';
import { formatAgo } from '@/lib/format';
import type { AppRouter } from '@/server/routers/_app';

type Report = inferRouterOutputs<AppRouter>['containers']['reconcile'];

const BADGE: Record<string, string> = {
  created: 'badge-ok',
  recreated: 'badge-ok',
  started: 'badge-ok',
  removed: 'badge-warn',
  failed: 'badge-bad',
};

/** What the last reconcile did, per component, and why. */
export function ReconcileReport({ report }: { report: Report }) {
  return (
    <div className="card" data-testid="reconcile-report">
      <h2>Last reconcile</h2>
      <p className="small muted">
        {formatAgo(report.at)}, {report.durationMs} ms. Network {report.network.name} ({report.network.subnet}):{' '}
        {report.network.action}
        {report.network.action !== 'unchanged' ? `, ${report.network.reason}` : ''}.
        {report.server &&
          ` This server (${report.server.container}${report.server.address ? ` at ${report.server.address}` : ''}): ${report.server.action}, ${report.server.reason}.`}
      </p>
      <table className="table">
        <tbody>
          {report.components.map((c) => (
            <tr key={`${c.component}-${c.container}`} data-component={c.component}>
              <td>{c.container}</td>
              <td>
                <span className={`badge ${BADGE[c.action] ?? ''}`}>{c.action}</span>
              </td>
              <td className="small">{c.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
