'use client';

import { useState } from 'react';
import { ApplyNotice, type ApplyState } from '@/components/apply-notice';
import { Dialog } from '@/components/dialog';
import { useCopy } from '@/components/toast';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { WireguardSettingsForm } from './settings-form';

export function WireguardView() {
  const utils = trpc.useUtils();
  const status = trpc.wireguard.status.useQuery(undefined, { refetchInterval: 10_000 });
  const server = trpc.wireguard.get.useQuery();
  const [notice, setNotice] = useState<ApplyState | null>(null);
  const [rotating, setRotating] = useState(false);
  const copy = useCopy();
  const rotate = trpc.wireguard.rotateKeys.useMutation({
    onSuccess: (r) => {
      setRotating(false);
      setNotice(r.apply);
      void utils.wireguard.invalidate();
    },
  });
  const s = status.data;
  return (
    <>
      <PageHead title="WireGuard" subtitle="The cell's VPN interface: how peers reach it." />
      <div className="stack">
        <ApplyNotice apply={notice} />
        {server.data?.endpointWarning && <Alert kind="warn">{server.data.endpointWarning}</Alert>}
        {status.error && <Alert kind="error">{status.error.message}</Alert>}
        {s && (
          <div className="card" data-testid="wg-state">
            <h2>Interface</h2>
            <dl className="kv">
              <dt>State</dt>
              <dd>
                {s.interfaceUp ? (
                  <span className="badge badge-ok">up</span>
                ) : (
                  <span className="badge badge-bad">unreachable</span>
                )}
                {s.interfaceError && <span className="muted small"> {s.interfaceError}</span>}
              </dd>
              <dt>Public key</dt>
              <dd>
                <code>{s.publicKey}</code>{' '}
                <button className="btn btn-link" onClick={() => copy(s.publicKey, 'Public key')}>
                  Copy
                </button>
              </dd>
              <dt>Listen port</dt>
              <dd>{s.listenPort}</dd>
              <dt>Peers</dt>
              <dd>
                {s.peerCount} ({s.peersOnline} online)
              </dd>
              <dt>Changes</dt>
              <dd>
                {s.pending ? (
                  <span className="badge badge-warn">pending{s.applyError ? `: ${s.applyError}` : ''}</span>
                ) : (
                  <span className="badge badge-ok">applied</span>
                )}
              </dd>
            </dl>
            <button className="btn btn-danger" onClick={() => setRotating(true)}>
              Rotate server keys
            </button>
          </div>
        )}
        <WireguardSettingsForm onApplied={setNotice} />
      </div>
      {rotating && (
        <Dialog title="Rotate the server keys?" onClose={() => setRotating(false)}>
          <div className="stack">
            <Alert kind="warn">
              Every peer stops connecting until it downloads its config again (or scans its new QR code): their configs
              carry the server&apos;s public key.
            </Alert>
            {rotate.error && <Alert kind="error">{rotate.error.message}</Alert>}
            <button className="btn btn-danger" disabled={rotate.isPending} onClick={() => rotate.mutate()}>
              Rotate server keys
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
