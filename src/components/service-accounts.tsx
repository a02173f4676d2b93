'use client';

import { useState } from 'react';
import { useCopy } from '@/components/toast';
import { trpc } from '@/lib/client/trpc';
import { formatAgo } from '@/lib/format';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/routers/_app';

type Service = inferRouterOutputs<AppRouter>['portal']['services'][number];

/** A peer's accounts on the cell's services: how to connect, a QR code that sets a phone up, and a password shown once. */
export function ServiceAccounts() {
  const services = trpc.portal.services.useQuery();
  if (services.error) return <p className="alert alert-error">{services.error.message}</p>;
  if (!services.data) return <p className="muted">Loading your services…</p>;
  if (!services.data.length)
    return <p className="muted">No service of this cell has an account for you yet. Ask your admin to allow one.</p>;
  return (
    <div className="cards cards-wide">
      {services.data.map((s) => (
        <ServiceCard key={s.service} service={s} />
      ))}
    </div>
  );
}

function ServiceCard({ service: s }: { service: Service }) {
  const copy = useCopy();
  const utils = trpc.useUtils();
  const [shown, setShown] = useState<string | null>(null);
  const reset = trpc.portal.resetServicePassword.useMutation({
    onSuccess: (r) => {
      setShown(r.password);
      void utils.portal.services.invalidate();
    },
  });
  return (
    <article className="card" data-testid={`service-${s.service}`} aria-labelledby={`svc-${s.service}`}>
      <h3 id={`svc-${s.service}`}>{s.name}</h3>
      <dl className="settings">
        {s.host && <Setting label="Host" value={s.host} onCopy={() => copy(s.host!, 'Host')} />}
        {s.port && (
          <>
            <dt>Port</dt>
            <dd>{s.port} (HTTPS)</dd>
          </>
        )}
        {s.settings.map((item) => (
          <Setting key={item.label} label={item.label} value={item.value} onCopy={() => copy(item.value, item.label)} />
        ))}
      </dl>
      {s.setup && (
        <div className="stack">
          <div
            className="qr qr-small"
            role="img"
            aria-label={`QR code that adds ${s.name} to a phone`}
            dangerouslySetInnerHTML={{ __html: s.setup.qr }}
          />
          <p className="muted small">
            Scan with DAVx⁵ on Android, or open <a href={s.setup.link}>{s.setup.link}</a> on the phone.
          </p>
        </div>
      )}
      {shown ? (
        <div className="alert alert-ok" role="status">
          <p>
            Your new password for {s.name}: <code data-testid="service-password">{shown}</code>
          </p>
          <p className="small">It is shown this once. Put it in your device now.</p>
          <button type="button" className="btn" onClick={() => copy(shown, 'Password')}>
            Copy password
          </button>
        </div>
      ) : (
        <p className="small muted">
          {s.passwordShownAt
            ? `Password last set ${formatAgo(s.passwordShownAt)}.`
            : 'No password yet: get one to sign in.'}
        </p>
      )}
      {reset.error && <p className="alert alert-error">{reset.error.message}</p>}
      <button
        type="button"
        className="btn"
        disabled={reset.isPending}
        onClick={() => reset.mutate({ service: s.service })}
      >
        {s.passwordShownAt ? 'Reset password' : 'Get a password'}
      </button>
    </article>
  );
}

function Setting({ label, value, onCopy }: { label: string; value: string; onCopy: () => void }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code>{value}</code>{' '}
        <button type="button" className="btn btn-link" onClick={onCopy} aria-label={`Copy ${label}`}>
          Copy
        </button>
      </dd>
    </>
  );
}
