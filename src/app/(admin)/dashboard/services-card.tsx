import Link from 'next/link';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/routers/_app';

type Summary = inferRouterOutputs<AppRouter>['dashboard']['summary'];
type Config = Summary['configs']['dns'];

function ConfigState({ state }: { state: Config }) {
  if (!state) return <span className="muted">not rendered yet</span>;
  if (state.pending)
    return (
      <>
        <span className="badge badge-warn">pending</span> <span className="small">{state.error}</span>
      </>
    );
  if (state.waiting)
    return (
      <>
        <span className="badge badge-warn">waiting</span> <span className="small">{state.appliedVia}</span>
      </>
    );
  return (
    <>
      <span className="badge badge-ok">in place</span> <span className="muted small">{state.appliedVia}</span>
    </>
  );
}

/** Each part of the data plane: whether its daemon runs what the cell last asked of it. */
export function ServicesCard({ s }: { s: Summary }) {
  const rows: [string, Config, string][] = [
    ['DNS', s.configs.dns, '/network'],
    ['Time (NTP)', s.configs.ntp, '/network'],
    ['Reverse proxy', s.configs.caddy, '/routes'],
  ];
  if (s.configs.dhcp) rows.push(['DHCP', s.configs.dhcp, '/network']);
  return (
    <div className="card" data-testid="services-card">
      <h2>Services</h2>
      <dl className="kv">
        {s.wireguard && (
          <>
            <dt>
              <Link href="/wireguard">WireGuard</Link>
            </dt>
            <dd>
              {!s.wireguard.interfaceUp ? (
                <>
                  <span className="badge badge-bad">unreachable</span>{' '}
                  <span className="small">{s.wireguard.interfaceError}</span>
                </>
              ) : s.wireguard.pending ? (
                <span className="badge badge-warn">changes pending</span>
              ) : (
                <span className="badge badge-ok">up</span>
              )}
            </dd>
          </>
        )}
        {rows.map(([name, state, href]) => (
          <div key={name} style={{ display: 'contents' }}>
            <dt>
              <Link href={href}>{name}</Link>
            </dt>
            <dd>
              <ConfigState state={state} />
            </dd>
          </div>
        ))}
        <dt>
          <Link href="/firewall">Firewall</Link>
        </dt>
        <dd data-testid="firewall-state">
          {s.firewall.confirmBy ? (
            <span className="badge badge-warn">waiting for confirmation</span>
          ) : !s.firewall.apply ? (
            <span className="muted">not loaded yet</span>
          ) : s.firewall.apply.state === 'pending' ? (
            <>
              <span className="badge badge-warn">pending</span> <span className="small">{s.firewall.apply.reason}</span>
            </>
          ) : (
            <span className="badge badge-ok">in place</span>
          )}
          {s.firewall.repairedAt && (
            <span className="small">
              {' '}
              repaired {new Date(s.firewall.repairedAt).toLocaleString()}: {s.firewall.repairReason}
            </span>
          )}
        </dd>
        <dt>
          <Link href="/settings">Dynamic DNS</Link>
        </dt>
        <dd>
          {!s.ddns.provider ? (
            <span className="muted">none for this mode</span>
          ) : s.ddns.lastError ? (
            <>
              <span className="badge badge-bad">failing</span> <span className="small">{s.ddns.lastError}</span>
            </>
          ) : (
            <span>
              {s.ddns.publishedAddress
                ? `${s.ddns.publishedAddress} (${s.ddns.provider})`
                : `not published yet (${s.ddns.provider})`}
            </span>
          )}
        </dd>
      </dl>
    </div>
  );
}
