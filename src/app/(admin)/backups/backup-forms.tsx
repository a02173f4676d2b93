'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { csrfToken } from '@/lib/client/csrf';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { BackupOperation } from './backup-operation';

/** Back up now: locked with a passphrase, or for the recipient of the settings. */
export function CreateForm({ recipient, onEnd }: { recipient: boolean; onEnd: () => void }) {
  const create = trpc.backup.create.useMutation();
  const [mode, setMode] = useState<'passphrase' | 'recipient'>(recipient ? 'recipient' : 'passphrase');
  const [d, setD] = useState({ passphrase: '', again: '' });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [operationId, setOperationId] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mode === 'passphrase' && d.passphrase !== d.again) return setErrors({ again: ['The two passphrases differ'] });
    try {
      const r = await create.mutateAsync(mode === 'passphrase' ? { passphrase: d.passphrase } : {});
      setOperationId(r.operationId);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  if (operationId) return <BackupOperation operationId={operationId} onEnd={onEnd} />;
  return (
    <form className="stack" noValidate onSubmit={submit}>
      {create.error && !Object.keys(errors).length && <Alert kind="error">{create.error.message}</Alert>}
      {recipient && (
        <div className="field">
          <label htmlFor="f-lock">Lock it with</label>
          <select id="f-lock" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
            <option value="recipient">The recipient key of the backup settings</option>
            <option value="passphrase">A passphrase</option>
          </select>
        </div>
      )}
      {mode === 'passphrase' && (
        <>
          <Field
            label="Passphrase"
            name="passphrase"
            type="password"
            autoComplete="new-password"
            value={d.passphrase}
            onChange={(e) => setD({ ...d, passphrase: e.target.value })}
            errors={errors.passphrase}
            hint="At least 10 characters. Without it the archive cannot be opened: keep it apart from the archive."
          />
          <Field
            label="Passphrase again"
            name="again"
            type="password"
            autoComplete="new-password"
            value={d.again}
            onChange={(e) => setD({ ...d, again: e.target.value })}
            errors={errors.again}
          />
        </>
      )}
      <SubmitButton pending={create.isPending} pendingLabel="Starting…">
        Back up now
      </SubmitButton>
    </form>
  );
}

/**
 * Sends a file to POST /api/backups/upload, saying how much went (fetch cannot tell an upload's
 * progress; XMLHttpRequest can); resolves with its uploadId.
 */
async function upload(file: File, onProgress: (sent: number) => void): Promise<string> {
  const token = await csrfToken();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/backups/upload');
    xhr.withCredentials = true;
    xhr.setRequestHeader('x-csrf-token', token);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('The upload was cut off: the connection to the cell failed'));
    xhr.onload = () => {
      let body: { uploadId?: string; message?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // An answer that is not JSON (a proxy's error page) is said by its status below.
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.uploadId) resolve(body.uploadId);
      else reject(new Error(body.message ?? `Upload failed (${xhr.status})`));
    };
    xhr.send(file);
  });
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Restore a backup of the list (`id`) or an archive from this computer (no `id`): with its
 * passphrase, or the secret key of its recipient.
 */
export function RestoreForm({ id, encryption, onEnd }: { id?: string; encryption?: string; onEnd: () => void }) {
  const restore = trpc.backup.restore.useMutation();
  const [file, setFile] = useState<File | null>(null);
  const [key, setKey] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<number | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);
  const bySecretKey = key.trim().startsWith('AGE-SECRET-KEY-');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    setErrors({});
    if (!id && !file) return setErrors({ file: ['Choose the archive (.age) to restore'] });
    setBusy(true);
    try {
      const source = id ? { id } : { uploadId: await upload(file!, setSent) };
      const secret = !key ? {} : bySecretKey ? { secretKey: key.trim() } : { passphrase: key };
      const r = await restore.mutateAsync({ ...source, ...secret });
      setOperationId(r.operationId);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (Object.keys(fields).length) setErrors(fields);
      else setProblem((err as Error).message);
    } finally {
      setBusy(false);
      setSent(null);
    }
  }

  if (operationId) return <BackupOperation operationId={operationId} onEnd={onEnd} />;
  return (
    <form className="stack" noValidate onSubmit={submit}>
      <Alert kind="warn">
        The cell becomes what the archive holds: peers, keys, settings, services and their data. The whole archive is
        checked before anything changes; a failure on the way puts the cell back as it was.
      </Alert>
      {problem && <Alert kind="error">{problem}</Alert>}
      {!id && (
        <div className="field">
          <label htmlFor="f-file">Archive</label>
          <input
            id="f-file"
            name="file"
            type="file"
            accept=".age"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            aria-invalid={errors.file ? true : undefined}
          />
          {errors.file && (
            <span className="error" role="alert">
              {errors.file.join(' ')}
            </span>
          )}
        </div>
      )}
      <Field
        label={
          encryption === 'recipient' ? 'Secret key (or leave empty: the cell’s own key)' : 'Passphrase or secret key'
        }
        name="passphrase"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        errors={errors.passphrase ?? errors.secretKey}
        hint="The passphrase it was made with, or an AGE-SECRET-KEY-1… line for an archive locked for a recipient."
      />
      {file && sent !== null && (
        <div className="field">
          <label htmlFor="f-upload-progress">
            Uploading: {mb(sent)} of {mb(file.size)}
          </label>
          <progress id="f-upload-progress" max={file.size} value={sent} />
        </div>
      )}
      <SubmitButton
        pending={busy || restore.isPending}
        pendingLabel={file && sent !== null && sent < file.size ? 'Uploading…' : 'Checking…'}
      >
        Restore
      </SubmitButton>
    </form>
  );
}
