'use client';

import { useState } from 'react';
import { Dialog } from '@/components/dialog';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { Pkcs12Form, RevokeForm, saveFile } from './cert-dialogs';
import { IssueForm } from './issue-form';
import { RootCard } from './root-card';

const BADGE = { valid: 'badge-ok', expiring: 'badge-warn', expired: 'badge-bad', revoked: 'badge-bad' } as const;

type Open =
  { kind: 'issue' } | { kind: 'p12'; id: number; name: string } | { kind: 'revoke'; id: number; name: string } | null;

export function VaultView() {
  const utils = trpc.useUtils();
  const list = trpc.vault.list.useQuery();
  const exportCert = trpc.vault.export.useMutation();
  const renew = trpc.vault.renew.useMutation({ onSuccess: () => utils.vault.list.invalidate() });
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const close = () => setOpen(null);

  return (
    <>
      <PageHead
        title="Vault"
        subtitle="The cell's own certificate authority: certificates for services and devices."
        actions={
          <button className="btn btn-primary" onClick={() => setOpen({ kind: 'issue' })}>
            Issue certificate
          </button>
        }
      />
      <div className="stack">
        {notice && <Alert kind="ok">{notice}</Alert>}
        {(list.error ?? exportCert.error ?? renew.error) && (
          <Alert kind="error">{(list.error ?? exportCert.error ?? renew.error)!.message}</Alert>
        )}
        <RootCard />
        <div className="card table-wrap">
          <h2>Certificates</h2>
          <table className="table" aria-label="Certificates">
            <thead>
              <tr>
                <th>Common name</th>
                <th>Kind</th>
                <th>Names</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data?.map((c) => (
                <tr key={c.id} data-testid={`cert-${c.id}`}>
                  <td>
                    {c.commonName}
                    <div className="muted small mono">{c.serial}</div>
                  </td>
                  <td>{c.kind}</td>
                  <td className="small">{c.sans.join(', ') || '—'}</td>
                  <td>
                    <span className={`badge ${BADGE[c.status]}`}>{c.status}</span>
                    {c.revokeReason && <div className="muted small">{c.revokeReason}</div>}
                  </td>
                  <td>{c.notAfter.toLocaleDateString()}</td>
                  <td className="actions">
                    <button
                      className="btn"
                      onClick={() => exportCert.mutate({ id: c.id, format: 'pem' }, { onSuccess: saveFile })}
                    >
                      PEM
                    </button>
                    <button className="btn" onClick={() => setOpen({ kind: 'p12', id: c.id, name: c.commonName })}>
                      PKCS#12
                    </button>
                    {c.status !== 'revoked' && (
                      <>
                        <button
                          className="btn"
                          disabled={renew.isPending}
                          onClick={() =>
                            renew.mutate(
                              { id: c.id },
                              {
                                onSuccess: (r) =>
                                  setNotice(
                                    `Renewed ${r.commonName}: new serial ${r.serial}. Revoke the old one once the new one is in place.`,
                                  ),
                              },
                            )
                          }
                        >
                          Renew
                        </button>
                        <button
                          className="btn btn-danger"
                          onClick={() => setOpen({ kind: 'revoke', id: c.id, name: c.commonName })}
                        >
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
              {list.data?.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No certificates issued yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      {open?.kind === 'issue' && (
        <Dialog title="Issue certificate" onClose={close}>
          <IssueForm
            onDone={(name) => {
              close();
              setNotice(`Issued ${name}.`);
            }}
          />
        </Dialog>
      )}
      {open?.kind === 'p12' && (
        <Dialog title={`PKCS#12 for ${open.name}`} onClose={close}>
          <Pkcs12Form id={open.id} onDone={close} />
        </Dialog>
      )}
      {open?.kind === 'revoke' && (
        <Dialog title={`Revoke ${open.name}`} onClose={close}>
          <RevokeForm
            id={open.id}
            name={open.name}
            onDone={() => {
              close();
              setNotice(`Revoked ${open.name}; the CRL is updated.`);
            }}
          />
        </Dialog>
      )}
    </>
  );
}
