'use client';

import { useEffect, useState } from 'react';
import { PLATFORMS, platformOf, TRUST_STEPS, type Platform } from '@/lib/trust-steps';

/**
 * The cell's root certificate to download, and how to trust it: this device's platform
 * first (detected from the browser), the others one click away.
 */
export function RootTrust({ fingerprint }: { fingerprint?: string }) {
  const [mine, setMine] = useState<Platform | null>(null);
  useEffect(() => setMine(platformOf(navigator.userAgent, navigator.maxTouchPoints)), []);
  const others = PLATFORMS.filter((p) => p !== mine);
  return (
    <div className="stack">
      <div className="row">
        <a className="btn btn-primary" href="/api/vault/root" download>
          Download root certificate
        </a>
      </div>
      {mine && (
        <p data-testid="trust-mine">
          <strong>On this {mine === 'iPhone and iPad' ? 'iPhone or iPad' : `${mine} device`}:</strong>{' '}
          {TRUST_STEPS[mine]}
        </p>
      )}
      <details>
        <summary>{mine ? 'On other devices' : 'How to trust it on a device'}</summary>
        <dl className="kv">
          {others.map((name) => (
            <div key={name} style={{ display: 'contents' }}>
              <dt>{name}</dt>
              <dd>{TRUST_STEPS[name]}</dd>
            </div>
          ))}
        </dl>
      </details>
      {fingerprint && (
        <p className="muted small">
          Before trusting it, check that your device shows this SHA-256 fingerprint:{' '}
          <code className="small">{fingerprint}</code>
        </p>
      )}
    </div>
  );
}
