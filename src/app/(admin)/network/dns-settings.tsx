'use client';

import { useEffect, useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { listFieldErrors } from '@/lib/field-errors';
import { ConfigStatus } from './config-status';

interface Draft {
  upstreams: string;
  tlsServerName: string;
  cache: boolean;
  logLevel: 'info' | 'debug';
  publicAddress: string;
  publicAddress6: string;
}

/** Upstream resolvers, DNS over TLS, cache, log level, and the split-horizon view of the domain. */
export function DnsSettings({ onApplied }: { onApplied: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const current = trpc.dns.settings.useQuery();
  const update = trpc.dns.updateSettings.useMutation();
  const [d, setD] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const c = current.data;

  useEffect(() => {
    if (c && !d) {
      setD({
        upstreams: c.upstreams.join(', '),
        tlsServerName: c.tlsServerName ?? '',
        cache: c.cache,
        logLevel: c.logLevel,
        publicAddress: c.publicAddress ?? '',
        publicAddress6: c.publicAddress6 ?? '',
      });
    }
  }, [c, d]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!d) return;
    try {
      const r = await update.mutateAsync({ ...d, upstreams: d.upstreams.split(/[\s,]+/).filter(Boolean) });
      setErrors({});
      onApplied(r.apply);
      await utils.dns.invalidate();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  if (!d || !c) return current.error ? <Alert kind="error">{current.error.message}</Alert> : null;
  const text = (k: 'upstreams' | 'tlsServerName' | 'publicAddress' | 'publicAddress6', label: string, hint: string) => (
    <Field
      label={label}
      name={k}
      value={d[k]}
      onChange={(e) => setD({ ...d, [k]: e.target.value })}
      errors={listFieldErrors(errors, k)}
      hint={hint}
    />
  );
  return (
    <form className="card stack" noValidate onSubmit={submit} aria-label="DNS settings">
      <h2>Resolvers and split horizon</h2>
      <ConfigStatus state={c.applyState} target="cell-dns" />
      {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
      {text(
        'upstreams',
        'Upstream resolvers',
        'Addresses, comma separated, with an optional port: 1.1.1.1, [2606:4700::1111]:53',
      )}
      {text(
        'tlsServerName',
        'DNS over TLS: the resolvers’ certificate name',
        'Empty: plain DNS. For example cloudflare-dns.com (port 853 unless given).',
      )}
      <label className="row">
        <input type="checkbox" checked={d.cache} onChange={(e) => setD({ ...d, cache: e.target.checked })} /> Cache
        answers (5 minutes)
      </label>
      <div className="field">
        <label htmlFor="f-logLevel">Log level</label>
        <select
          id="f-logLevel"
          value={d.logLevel}
          onChange={(e) => setD({ ...d, logLevel: e.target.value as Draft['logLevel'] })}
        >
          <option value="info">info: errors only</option>
          <option value="debug">debug: every query</option>
        </select>
      </div>
      <div className="stack">
        <p className="muted small" style={{ margin: 0 }}>
          Split horizon for <code>{c.domain}</code>: queries from{' '}
          {c.internalNets.map((n) => (
            <code key={n}>{n} </code>
          ))}{' '}
          get the cell&apos;s tunnel address <code>{c.cellAddress}</code>; everyone else gets the public address below,
          or what the public DNS says when it is empty.
        </p>
        {text('publicAddress', 'Public IPv4 address', 'What outsiders get for the domain and its services.')}
        {text('publicAddress6', 'Public IPv6 address (optional)', 'Leave empty when the cell has none.')}
      </div>
      <SubmitButton pending={update.isPending}>Save DNS settings</SubmitButton>
    </form>
  );
}
