'use client';

import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { ApplyNotice, type ApplyState } from '@/components/apply-notice';
import { PeerConfig } from '@/components/peer-config';
import { ServicesList } from '@/components/services-list';
import { TrafficChart } from '@/components/traffic-chart';
import { Alert, PageHead } from '@/components/ui';
import { describeEntry } from '@/lib/activity';
import { trpc } from '@/lib/client/trpc';
import { formatAgo, formatBytes } from '@/lib/format';
import { ROUTING_POLICY_INFO, TRAFFIC_RANGES } from '@/lib/schemas/peers';
import { PeerActions } from '../peer-actions';
import { PeerStatus } from '../peer-status';

export function PeerView({ id }: { id: number }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const range = TRAFFIC_RANGES.find((r) => r === params.get('range')) ?? 'day';
  const peer = trpc.peers.byId.useQuery({ id }, { refetchInterval: 10_000 });
  const activity = trpc.audit.list.useQuery(
    { peer: { id, name: peer.data?.name ?? '' }, pageSize: 10 },
    { enabled: Boolean(peer.data) },
  );
  const services = trpc.portal.servicesOf.useQuery({ id });
  const [notice, setNotice] = useState<ApplyState | null>(null);
  const p = peer.data;

  if (peer.error?.data?.code === 'NOT_FOUND')
    return (
      <>
        <PageHead title="Peer not found" />
        <Alert kind="warn">
          This peer no longer exists. <Link href="/peers">Back to Peers</Link>
        </Alert>
      </>
    );
  return (
    <>
      <PageHead
        title={p?.name ?? 'Peer'}
        subtitle={
          <>
            <Link href="/peers">Peers</Link> · {p ? <code>{p.address}</code> : 'Loading…'}
          </>
        }
        actions={p && <PeerActions peer={p} onApplied={setNotice} onRemoved={() => router.push('/peers')} />}
      />
      <div className="stack">
        <ApplyNotice apply={notice} />
        {peer.error && <Alert kind="error">{peer.error.message}</Alert>}
        {p && (
          <div className="grid grid-wide">
            <div className="card" data-testid="peer-status">
              <h2>Status</h2>
              <dl className="kv">
                <dt>Connection</dt>
                <dd>
                  <span className={`dot${p.online ? ' dot-on' : ''}`} aria-hidden />
                  {p.online ? 'online' : 'offline'}, last handshake {formatAgo(p.latestHandshake)}
                </dd>
                <dt>Access</dt>
                <dd>
                  <PeerStatus peer={p} />
                </dd>
                <dt>Endpoint</dt>
                <dd>{p.endpoint ?? '—'}</dd>
                <dt>Since the interface started</dt>
                <dd>
                  {formatBytes(p.rxBytes)} from it, {formatBytes(p.txBytes)} to it
                </dd>
                <dt>Routing</dt>
                <dd>
                  {ROUTING_POLICY_INFO[p.routingPolicy].label}
                  {p.routingPolicy === 'custom' && <div className="small">{p.allowedIps.join(', ')}</div>}
                </dd>
                <dt>Other peers</dt>
                <dd>
                  {p.effectivePeerToPeer ? 'may reach it and be reached' : 'kept apart'}
                  {p.peerToPeer === null ? ' (as its groups say)' : ''}
                </dd>
                <dt>Portal login</dt>
                <dd>{p.login ?? 'none'}</dd>
                <dt>Public key</dt>
                <dd>
                  <code className="small">{p.publicKey}</code>
                </dd>
              </dl>
            </div>
            <div className="card">
              <h2>Traffic</h2>
              <TrafficChart
                id={id}
                name={p.name}
                range={range}
                onRange={(r) => router.replace(`${pathname}?range=${r}`, { scroll: false })}
              />
            </div>
            <div className="card">
              <h2>Config</h2>
              <PeerConfig id={id} name={p.name} ownKey={p.ownKey} />
            </div>
            <div className="card">
              <h2>What it can use</h2>
              {services.data && <ServicesList services={services.data} />}
            </div>
            <div className="card">
              <h2>Where it connected from</h2>
              {p.endpoints.length ? (
                <ul className="plain-list" aria-label="Endpoints">
                  {p.endpoints.map((e) => (
                    <li key={e.endpoint}>
                      <code>{e.endpoint}</code>{' '}
                      <span className="muted small">
                        {e.firstSeen.toLocaleString()} – {formatAgo(e.lastSeen)}
                      </span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">It has not connected yet.</p>
              )}
            </div>
          </div>
        )}
        <div className="card">
          <h2>Activity</h2>
          {activity.data?.items.length ? (
            <ul className="plain-list" aria-label="Activity of this peer">
              {activity.data.items.map((e) => (
                <li key={e.id}>
                  {describeEntry(e, activity.data.peerNames)}{' '}
                  <span className="muted small">{e.at.toLocaleString()}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No changes recorded.</p>
          )}
          <Link href={`/activity?procedure=peers.`}>All peer activity</Link>
        </div>
      </div>
    </>
  );
}
