'use client';

import { trpc } from '@/lib/client/trpc';

/** A peer's client config as a QR code (rendered by the server) and as a file to download. */
export function PeerConfig({ id, name, ownKey }: { id: number; name: string; ownKey?: boolean }) {
  const qr = trpc.peers.qr.useQuery({ id });
  return (
    <div className="stack peer-config">
      {ownKey && (
        <p className="small">This peer brought its own key: replace the placeholder with its private key before use.</p>
      )}
      {qr.error && <p className="alert alert-error">{qr.error.message}</p>}
      {qr.data ? (
        <div
          className="qr"
          data-testid="peer-qr"
          role="img"
          aria-label={`QR code of the config of ${name}`}
          dangerouslySetInnerHTML={{ __html: qr.data.svg }}
        />
      ) : (
        !qr.error && <p className="muted">Rendering QR code…</p>
      )}
      {qr.data && <p className="muted small">Scan with the WireGuard app (error correction {qr.data.level}).</p>}
      <a className="btn btn-primary download" href={`/api/peers/${id}/config`} download={`${name}.conf`}>
        Download config
      </a>
    </div>
  );
}
