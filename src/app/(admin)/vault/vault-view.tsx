'use client';

import { useState } from 'react';
import { DataTable } from '@/components/data-table';
import { Dialog } from '@/components/dialog';
import { ActionsMenu } from '@/components/menu';
import { Alert, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { REVOKE_REASON_LABEL, type RevokeReason } from '@/lib/schemas/vault';
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
          <DataTable
            label="Certificates"
            rows={list.data}
            rowKey={(c) => c.id}
            rowTestId={(c) => `cert-${c.id}`}
            empty="No certificates issued yet."
            columns={[
              {
                header: 'Common name',
                cell: (c) => (
                  <>
                    {c.commonName}
                    <div className="muted small mono">{c.serial}</div>
                  </>
                ),
              },
              { header: 'Kind', cell: (c) => c.kind },
              { header: 'Names', className: 'small', cell: (c) => c.sans.join(', ') || '—' },
              {
                header: 'Status',
                cell: (c) => (
                  <>
                    <span className={`badge ${BADGE[c.status]}`}>{c.status}</span>
                    {c.revokeReason && (
                      <div className="muted small">
                        {REVOKE_REASON_LABEL[c.revokeReason as RevokeReason] ?? c.revokeReason}
                      </div>
                    )}
                  </>
                ),
              },
              { header: 'Expires', cell: (c) => c.notAfter.toLocaleDateString() },
              {
                header: 'Actions',
                className: 'row-menu',
                cell: (c) => (
                  <ActionsMenu
                    label={`Actions for ${c.commonName}`}
                    items={[
                      {
                        label: 'Download PEM',
                        onSelect: () => exportCert.mutate({ id: c.id, format: 'pem' }, { onSuccess: saveFile }),
                      },
                      {
                        label: 'Download PKCS#12',
                        onSelect: () => setOpen({ kind: 'p12', id: c.id, name: c.commonName }),
                      },
                      ...(c.status === 'revoked'
                        ? []
                        : [
                            {
                              label: 'Renew',
                              disabled: renew.isPending,
                              onSelect: () =>
                                renew.mutate(
                                  { id: c.id },
                                  {
                                    onSuccess: (r) =>
                                      setNotice(
                                        `Renewed ${r.commonName}: new serial ${r.serial}. Revoke the old one once the new one is in place.`,
                                      ),
                                  },
                                ),
                            },
                            {
                              label: 'Revoke',
                              danger: true,
                              onSelect: () => setOpen({ kind: 'revoke', id: c.id, name: c.commonName }),
                            },
                          ]),
                    ]}
                  />
                ),
              },
            ]}
          />
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
