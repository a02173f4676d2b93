'use client';

import { RootTrust } from '@/components/root-trust';
import { trpc } from '@/lib/client/trpc';

/** The root to install on every device, its fingerprint to compare, and how per platform. */
export function RootCard() {
  const root = trpc.vault.root.useQuery();
  return (
    <section className="card stack" aria-label="Root certificate">
      <h2>Root certificate</h2>
      {root.data ? (
        <dl className="kv">
          <dt>Subject</dt>
          <dd>{root.data.subject}</dd>
          <dt>Valid until</dt>
          <dd>{root.data.notAfter.toLocaleDateString()}</dd>
          <dt>SHA-256</dt>
          <dd className="mono small">{root.data.fingerprint}</dd>
        </dl>
      ) : (
        <p className="muted">{root.error ? root.error.message : 'Preparing the certificate authority…'}</p>
      )}
      <RootTrust />
      <a className="btn" href="/api/vault/crl?format=pem" download>
        Download CRL
      </a>
    </section>
  );
}
