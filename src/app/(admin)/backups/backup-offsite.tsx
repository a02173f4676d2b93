'use client';

import { useState, type FormEvent } from 'react';
import { useCopy } from '@/components/toast';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';

type Target =
  | { kind: 'none' }
  | { kind: 'webdav'; url: string; username: string }
  | { kind: 'sftp'; host: string; port: number; username: string; path: string; hostKey: string };

interface Offsite {
  target: Target;
  passwordSet: boolean;
  publicKey: string;
}

type Kind = Target['kind'];

const draftOf = (t: Target) => ({
  kind: t.kind as Kind,
  url: t.kind === 'webdav' ? t.url : '',
  username: t.kind === 'none' ? '' : t.username,
  host: t.kind === 'sftp' ? t.host : '',
  port: t.kind === 'sftp' ? String(t.port) : '22',
  path: t.kind === 'sftp' ? t.path : 'backups',
  hostKey: t.kind === 'sftp' ? t.hostKey : '',
  password: '',
});

/** Where each verified backup is copied: a WebDAV folder or an SFTP server, tried before it is kept. */
export function OffsiteForm({ offsite }: { offsite: Offsite }) {
  const utils = trpc.useUtils();
  const copy = useCopy();
  const update = trpc.backup.updateOffsite.useMutation({ onSuccess: () => utils.backup.offsite.invalidate() });
  const test = trpc.backup.testOffsite.useMutation();
  const [d, setD] = useState(() => draftOf(offsite.target));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const set = (patch: Partial<typeof d>) => {
    setD({ ...d, ...patch });
    setSaved(false);
    test.reset();
  };

  // An empty password field keeps the stored one (for the same server).
  const password = d.password ? { password: d.password } : {};
  const input = () =>
    d.kind === 'webdav'
      ? { kind: 'webdav' as const, url: d.url, username: d.username, ...password }
      : {
          kind: 'sftp' as const,
          host: d.host,
          port: d.port.trim() === '' ? NaN : Number(d.port),
          username: d.username,
          path: d.path,
          ...password,
        };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    test.reset();
    try {
      const i = input();
      await update.mutateAsync(
        d.kind === 'none' ? { kind: 'none' } : i.kind === 'sftp' ? { ...i, hostKey: d.hostKey } : i,
      );
      setErrors({});
      setSaved(true);
      setD({ ...d, password: '' });
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  async function tryIt() {
    setSaved(false);
    update.reset();
    const i = input();
    try {
      await test.mutateAsync(i.kind === 'sftp' && d.hostKey.trim() ? { ...i, hostKey: d.hostKey.trim() } : i);
      setErrors({});
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  const result = test.data;
  const unknownKey =
    d.kind === 'sftp' && result?.hostKey && result.hostKey !== d.hostKey.trim() ? result.hostKey : null;

  return (
    <form className="stack" noValidate onSubmit={submit} aria-label="Off-site copy">
      <p className="muted small">
        Each backup that passes its check is copied here too, under a temporary name first, so a cell that is lost or
        stolen does not take its backups with it. Retention removes the copies of the scheduled backups it prunes.
      </p>
      {saved && <Alert kind="ok">Saved.</Alert>}
      {result?.ok && (
        <Alert kind="ok">
          <span data-testid="offsite-test">Works: a file was written to {result.label}, read back and removed.</span>
        </Alert>
      )}
      {result && !result.ok && (
        <Alert kind="error">
          <span data-testid="offsite-test">{result.error}</span>
        </Alert>
      )}
      {(update.error ?? test.error) && !Object.keys(errors).length && (
        <Alert kind="error">{(update.error ?? test.error)!.message}</Alert>
      )}
      <div className="field">
        <label htmlFor="f-offsite-kind">Copy to</label>
        <select id="f-offsite-kind" value={d.kind} onChange={(e) => set({ kind: e.target.value as Kind })}>
          <option value="none">Nowhere: backups stay on the cell</option>
          <option value="webdav">A WebDAV folder</option>
          <option value="sftp">An SFTP server</option>
        </select>
      </div>
      {d.kind === 'webdav' && (
        <Field
          label="Folder URL"
          name="url"
          value={d.url}
          onChange={(e) => set({ url: e.target.value })}
          errors={errors.url}
          hint="https://… of the folder the archives go into (Nextcloud: …/remote.php/dav/files/USER/backups/). It is made if the folder above it is there."
        />
      )}
      {d.kind === 'sftp' && (
        <div className="grid">
          <Field
            label="Server"
            name="host"
            value={d.host}
            onChange={(e) => set({ host: e.target.value })}
            errors={errors.host}
          />
          <Field
            label="Port"
            name="port"
            inputMode="numeric"
            value={d.port}
            onChange={(e) => set({ port: e.target.value })}
            errors={errors.port}
          />
          <Field
            label="Folder"
            name="path"
            value={d.path}
            onChange={(e) => set({ path: e.target.value })}
            errors={errors.path}
            hint="Inside the login folder, or from / on. Made if it is not there."
          />
        </div>
      )}
      {d.kind !== 'none' && (
        <div className="grid">
          <Field
            label="User name"
            name="username"
            autoComplete="off"
            value={d.username}
            onChange={(e) => set({ username: e.target.value })}
            errors={errors.username}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            value={d.password}
            onChange={(e) => set({ password: e.target.value })}
            errors={errors.password}
            hint={
              offsite.passwordSet
                ? 'Empty: keep the stored one.'
                : d.kind === 'sftp'
                  ? 'Optional: the cell signs in with its own key (below).'
                  : undefined
            }
          />
        </div>
      )}
      {d.kind === 'sftp' && (
        <>
          <Field
            label="Server key"
            name="hostKey"
            className="mono"
            value={d.hostKey}
            onChange={(e) => set({ hostKey: e.target.value })}
            errors={errors.hostKey}
            hint="The fingerprint the cell trusts (SHA256:…). Test the connection to see the server's, compare it with ssh-keygen -lf on the server's host key, then trust it."
          />
          {unknownKey && (
            <Alert kind="warn">
              <span>
                The server showed the key <code data-testid="offsite-host-key">{unknownKey}</code>.{' '}
                <button type="button" className="btn" onClick={() => set({ hostKey: unknownKey })}>
                  Trust this key
                </button>
              </span>
            </Alert>
          )}
          <div className="field">
            <span>The cell&apos;s key</span>
            <code className="mono small" data-testid="offsite-public-key">
              {offsite.publicKey}
            </code>
            <span className="hint">
              Add this line to ~/.ssh/authorized_keys of the user on the server.{' '}
              <button type="button" className="btn" onClick={() => copy(offsite.publicKey, 'Key')}>
                Copy
              </button>
            </span>
          </div>
        </>
      )}
      <div className="row">
        <SubmitButton pending={update.isPending}>{d.kind === 'none' ? 'Save' : 'Test and save'}</SubmitButton>
        {d.kind !== 'none' && (
          <button type="button" className="btn" disabled={test.isPending} onClick={() => void tryIt()}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
        )}
      </div>
    </form>
  );
}
