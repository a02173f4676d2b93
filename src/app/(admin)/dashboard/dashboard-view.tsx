'use client';

import Link from 'next/link';
import { PageHead } from '@/components/ui';
import { DOMAIN_MODE_INFO } from '@/lib/domain-modes';
import { formatDuration } from '@/lib/format';
import { trpc } from '@/lib/client/trpc';
import { HealthCard } from './health-card';
import { ServicesCard } from './services-card';
import { TrafficCards } from './traffic-cards';

export function DashboardView() {
  const summary = trpc.dashboard.summary.useQuery(undefined, { refetchInterval: 15_000 });
  const s = summary.data;
  return (
    <>
      <PageHead title="Dashboard" subtitle={s ? `${s.identity.cellName} · ${s.identity.domain}` : 'Loading…'} />
      {summary.error && <p className="alert alert-error">{summary.error.message}</p>}
      {s && (
        <div className="stack">
          <div className="grid">
            <div className="card">
              <h2>Identity</h2>
              <dl className="kv">
                <dt>Cell name</dt>
                <dd>{s.identity.cellName}</dd>
                <dt>Domain</dt>
                <dd>
                  <code>{s.identity.domain}</code>
                </dd>
                <dt>Mode</dt>
                <dd>{DOMAIN_MODE_INFO[s.identity.domainMode].label}</dd>
                <dt>Time zone</dt>
                <dd>{s.identity.timezone}</dd>
                <dt>Services</dt>
                <dd>{s.identity.services.join(', ') || 'none'}</dd>
              </dl>
            </div>
            <div className="card" data-testid="engine-card">
              <h2>Container engine</h2>
              {s.engine.reachable ? (
                <p>
                  <span className="badge badge-ok">reachable</span> Docker {s.engine.version}
                </p>
              ) : (
                <p>
                  <span className="badge badge-bad">unreachable</span>
                </p>
              )}
              <p className="muted small">
                Socket <code>{s.engine.socket}</code>
                {s.engine.error && <> — {s.engine.error}</>}
              </p>
              {!s.engine.reachable && (
                <p className="small">
                  State and settings still work; changes are applied once the engine is reachable.
                </p>
              )}
              <Link href="/containers">Containers</Link>
            </div>
            <div className="card">
              <h2>Server</h2>
              <dl className="kv">
                <dt>Version</dt>
                <dd>{s.version}</dd>
                <dt>Uptime</dt>
                <dd>{formatDuration(s.uptimeSeconds)}</dd>
                <dt>Last verified backup</dt>
                <dd data-testid="backup-verified">
                  {s.backupVerifiedAt ? (
                    s.backupVerifiedAt.toLocaleString()
                  ) : (
                    <Link href="/backups">none yet: back up now</Link>
                  )}
                </dd>
              </dl>
            </div>
          </div>
          <HealthCard />
          <ServicesCard s={s} />
          <TrafficCards points={s.traffic} />
          <div className="grid">
            {s.wireguard && <Stat label="Peers" value={s.wireguard.peers} href="/peers" />}
            {s.wireguard && <Stat label="Peers online" value={s.wireguard.online} href="/peers" />}
            <Stat label="Routes" value={s.counts.routes} href="/routes" />
            <Stat label="Custom DNS records" value={s.counts.dnsRecords} href="/network" />
            <Stat label="Certificates expiring in 30 days" value={s.counts.certificatesExpiring} href="/vault" />
            <Stat label="Admin accounts" value={s.counts.admins} href="/account" />
            <Stat label="Peer accounts" value={s.counts.peerAccounts} href="/peers" />
            <Stat label="Changes, last 24 h" value={s.counts.changesLast24h} href="/activity" />
            <Stat
              label="Kept out (sign-in, permission), last 24 h"
              value={s.counts.refusedLast24h}
              href="/activity?outcome=refused"
            />
            <Stat label="Audit entries" value={s.counts.auditEntries} href="/activity" />
          </div>
        </div>
      )}
    </>
  );
}

function Stat({ label, value, href }: { label: string; value: number; href: string }) {
  const body = (
    <>
      <div className="muted small">{label}</div>
      <div className="stat">{value}</div>
    </>
  );
  return (
    <div className="card">
      <Link href={href} className="tile">
        {body}
      </Link>
    </div>
  );
}
