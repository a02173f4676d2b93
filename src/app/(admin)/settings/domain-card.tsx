'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { formatAgo } from '@/lib/format';

type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What the current domain mode needs, the certificates' state, the ACME contact, and dynamic DNS. */
export function DomainCard() {
  const utils = trpc.useUtils();
  const domain = trpc.domain.get.useQuery(undefined, {
    // While the cell is asking for its certificate, the page follows it closely.
    refetchInterval: (q) => (q.state.data?.certificate?.requesting ? 2_000 : 30_000),
  });
  const update = trpc.domain.update.useMutation({ onSuccess: () => utils.domain.invalidate() });
  const updateNow = trpc.domain.ddnsUpdateNow.useMutation({ onSuccess: () => utils.domain.invalidate() });
  const requestCert = trpc.domain.requestCertificate.useMutation({ onSuccess: () => utils.domain.invalidate() });
  const [d, setD] = useState<{ acmeEmail: string; logLevel: LogLevel; sources: string } | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const c = domain.data;

  useEffect(() => {
    if (c && !d) setD({ acmeEmail: c.acmeEmail ?? '', logLevel: c.logLevel, sources: c.ddns.sources.join('\n') });
  }, [c, d]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!c || !d) return;
    try {
      await update.mutateAsync({
        domainMode: c.domainMode,
        domain: c.domain,
        acmeEmail: d.acmeEmail,
        logLevel: d.logLevel,
        ddns: { sources: d.sources.split(/\s+/).filter(Boolean) },
      });
      setErrors({});
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  if (!c || !d) return domain.error ? <Alert kind="error">{domain.error.message}</Alert> : null;
  const ddns = c.ddns;
  const sourceError = Object.entries(errors).find(([k]) => k.startsWith('ddns.sources'))?.[1];
  return (
    <section className="card stack" style={{ maxWidth: 640 }} aria-label="Domain and certificates">
      <h2>Domain and certificates</h2>
      <p style={{ margin: 0 }}>
        <strong>{c.mode.label}</strong> for <code>{c.domain}</code>. {c.mode.needs}
      </p>
      <p className="small" style={{ margin: 0 }} role="status">
        {c.proxy === null ? (
          <span className="muted">Caddy has no config yet (the certificate authority is being prepared).</span>
        ) : c.proxy.pending ? (
          <>
            <span className="badge badge-warn">pending</span> Caddy has not loaded the latest config
            {c.proxy.error ? `: ${c.proxy.error}` : ''}.
          </>
        ) : (
          <>
            <span className="badge badge-ok">in place</span> <span className="muted">{c.proxy.appliedVia}</span>
          </>
        )}
      </p>
      {c.certificate && (
        <>
          <h3 style={{ margin: 0 }}>Certificate for {c.certificate.names.join(' and ')}</h3>
          <dl className="kv" data-testid="domain-certificate">
            <dt>State</dt>
            <dd>
              {c.certificate.requesting ? (
                <span className="badge badge-warn">requesting</span>
              ) : c.certificate.certificate ? (
                <span className="badge badge-ok">in place</span>
              ) : (
                <span className="badge badge-bad">none yet</span>
              )}
            </dd>
            {c.certificate.certificate && (
              <>
                <dt>Issued by</dt>
                <dd>{c.certificate.certificate.issuer}</dd>
                <dt>Valid until</dt>
                <dd>{c.certificate.certificate.notAfter.toLocaleString()}</dd>
                <dt>Renewed from</dt>
                <dd>{c.certificate.certificate.renewsAt.toLocaleString()}</dd>
              </>
            )}
            <dt>Last error</dt>
            <dd>{c.certificate.lastError ?? 'none'}</dd>
            {c.certificate.nextAttemptAt && (
              <>
                <dt>Next attempt</dt>
                <dd>{c.certificate.nextAttemptAt.toLocaleTimeString()}</dd>
              </>
            )}
          </dl>
          {requestCert.error && <Alert kind="error">{requestCert.error.message}</Alert>}
          <div>
            <button
              className="btn"
              type="button"
              disabled={c.certificate.requesting || requestCert.isPending}
              onClick={() => requestCert.mutate()}
            >
              {c.certificate.requesting ? 'Requesting…' : 'Request now'}
            </button>
          </div>
        </>
      )}
      <h3 style={{ margin: 0 }}>Dynamic DNS</h3>
      {ddns.provider ? (
        <dl className="kv">
          <dt>Provider</dt>
          <dd>{ddns.provider}</dd>
          <dt>Public address</dt>
          <dd>{ddns.publicAddress ?? 'not discovered yet'}</dd>
          <dt>Published</dt>
          <dd>{ddns.publishedAddress ? `${ddns.publishedAddress}, ${formatAgo(ddns.lastUpdateAt)}` : 'never'}</dd>
          <dt>Last error</dt>
          <dd>{ddns.lastError ?? 'none'}</dd>
          {ddns.nextAttemptAt && (
            <>
              <dt>Next check</dt>
              <dd>{ddns.nextAttemptAt.toLocaleTimeString()}</dd>
            </>
          )}
        </dl>
      ) : (
        <p className="muted small">
          No dynamic DNS for this mode
          {c.domainMode === 'http01' || c.domainMode === 'lan'
            ? ' (a dyndns2 account can be added through the API)'
            : ''}
          .
        </p>
      )}
      {updateNow.error && <Alert kind="error">{updateNow.error.message}</Alert>}
      <div>
        <button
          className="btn"
          type="button"
          disabled={!ddns.provider || updateNow.isPending}
          onClick={() => updateNow.mutate()}
        >
          {updateNow.isPending ? 'Updating…' : 'Update now'}
        </button>
      </div>
      <form className="stack" noValidate onSubmit={submit}>
        {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
        <Field
          label="Email for certificate notices (ACME)"
          name="acmeEmail"
          type="email"
          value={d.acmeEmail}
          onChange={(e) => setD({ ...d, acmeEmail: e.target.value })}
          errors={errors.acmeEmail}
        />
        <div className="field">
          <label htmlFor="f-caddy-log">Reverse proxy log level</label>
          <select
            id="f-caddy-log"
            value={d.logLevel}
            onChange={(e) => setD({ ...d, logLevel: e.target.value as LogLevel })}
          >
            {(['ERROR', 'WARN', 'INFO', 'DEBUG'] as const).map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-sources">Public address sources</label>
          <textarea
            id="f-sources"
            rows={2}
            value={d.sources}
            onChange={(e) => setD({ ...d, sources: e.target.value })}
            aria-invalid={sourceError ? true : undefined}
          />
          {sourceError ? (
            <span className="error" role="alert">
              {sourceError[0]}
            </span>
          ) : (
            <span className="hint">One URL per line; at least two, and they must agree.</span>
          )}
        </div>
        <SubmitButton pending={update.isPending}>Save</SubmitButton>
      </form>
    </section>
  );
}
