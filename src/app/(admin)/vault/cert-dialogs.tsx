'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { REVOKE_REASON_LABEL as REASON_LABEL, REVOKE_REASONS, type RevokeReason } from '@/lib/schemas/vault';

/** Saves what the export returned as a file. */
export function saveFile({ filename, mime, base64 }: { filename: string; mime: string; base64: string }) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Pkcs12Form({ id, onDone }: { id: number; onDone: () => void }) {
  const exportCert = trpc.vault.export.useMutation();
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      saveFile(await exportCert.mutateAsync({ id, format: 'pkcs12', password }));
      onDone();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }
  return (
    <form className="stack" noValidate onSubmit={submit}>
      <p className="muted small">
        The file holds the private key: it is encrypted with this password (AES-256). You will need it when importing.
      </p>
      <Field
        label="Password for the file"
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        errors={errors.password}
      />
      <SubmitButton pending={exportCert.isPending} pendingLabel="Preparing…">
        Download PKCS#12
      </SubmitButton>
    </form>
  );
}

export function RevokeForm({ id, name, onDone }: { id: number; name: string; onDone: () => void }) {
  const utils = trpc.useUtils();
  const revoke = trpc.vault.revoke.useMutation();
  const [reason, setReason] = useState<RevokeReason>('superseded');
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await revoke.mutateAsync({ id, reason });
      await utils.vault.list.invalidate();
      onDone();
    } catch {
      // Shown below.
    }
  }
  return (
    <form className="stack" noValidate onSubmit={submit}>
      <p>
        Revoke <strong>{name}</strong>? It goes on the CRL at once; devices that check the CRL stop trusting it. This
        cannot be undone.
      </p>
      {revoke.error && <Alert kind="error">{revoke.error.message}</Alert>}
      <div className="field">
        <label htmlFor="f-reason">Reason</label>
        <select id="f-reason" value={reason} onChange={(e) => setReason(e.target.value as RevokeReason)}>
          {REVOKE_REASONS.map((r) => (
            <option key={r} value={r}>
              {REASON_LABEL[r]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <button className="btn btn-danger" type="submit" disabled={revoke.isPending}>
          Revoke certificate
        </button>
      </div>
    </form>
  );
}
