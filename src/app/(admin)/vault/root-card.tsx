'use client';

import { trpc } from '@/lib/client/trpc';

const PLATFORMS = [
  [
    'Windows',
    'Open the file, choose “Install Certificate…”, Local Machine, and place it in “Trusted Root Certification Authorities”.',
  ],
  [
    'macOS',
    'Open the file in Keychain Access (System keychain), then open the certificate and set “When using this certificate” to “Always Trust”.',
  ],
  [
    'iPhone and iPad',
    'Open the download, install the profile in Settings → General → VPN & Device Management, then turn it on in Settings → General → About → Certificate Trust Settings.',
  ],
  [
    'Android',
    'Settings → Security → Encryption & credentials → Install a certificate → CA certificate, and pick the file.',
  ],
  [
    'Linux',
    'Copy it to /usr/local/share/ca-certificates/cell-root-ca.crt and run sudo update-ca-certificates; Firefox has its own store (Settings → Certificates → Import).',
  ],
] as const;

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
      <div className="row">
        <a className="btn btn-primary" href="/api/vault/root" download>
          Download root certificate
        </a>
        <a className="btn" href="/api/vault/crl?format=pem" download>
          Download CRL
        </a>
      </div>
      <details>
        <summary>How to trust it on a device</summary>
        <dl className="kv">
          {PLATFORMS.map(([name, how]) => (
            <div key={name} style={{ display: 'contents' }}>
              <dt>{name}</dt>
              <dd>{how}</dd>
            </div>
          ))}
        </dl>
        <p className="muted small">
          Compare the SHA-256 fingerprint your device shows with the one above before trusting it.
        </p>
      </details>
    </section>
  );
}
