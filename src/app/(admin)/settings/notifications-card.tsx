'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';

/** Where the cell says that something went down or came back: a webhook, generic JSON or ntfy. */
export function NotificationsCard() {
  const current = trpc.notifications.get.useQuery();
  // The form starts from what is stored, once: a refetch never overwrites what is being typed.
  return current.data ? <NotificationsForm stored={current.data} /> : null;
}

type Stored = { url: string | null; format: 'json' | 'ntfy'; lastError: string | null };

function NotificationsForm({ stored }: { stored: Stored }) {
  const utils = trpc.useUtils();
  const update = trpc.notifications.update.useMutation({ onSuccess: () => utils.notifications.get.invalidate() });
  const test = trpc.notifications.test.useMutation({ onSettled: () => utils.notifications.get.invalidate() });
  const [d, setD] = useState({ url: stored.url ?? '', format: stored.format });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    try {
      await update.mutateAsync({ url: d.url.trim() || null, format: d.format });
      setErrors({});
      setNotice('Saved.');
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  return (
    <form className="card stack" style={{ maxWidth: 640 }} noValidate onSubmit={submit} aria-label="Notifications">
      <h2>Notifications</h2>
      <p className="muted">
        A component that goes down or comes back, a backup that fails or is not verified, a certificate within 14 days
        of its end, a disk under 10 % free: each change is sent once.
      </p>
      {notice && <Alert kind="ok">{notice}</Alert>}
      {(update.error ?? test.error) && !Object.keys(errors).length && (
        <Alert kind="error">{(update.error ?? test.error)!.message}</Alert>
      )}
      {stored.lastError && <Alert kind="warn">The last notice did not go through: {stored.lastError}</Alert>}
      <Field
        label="Webhook URL"
        name="url"
        value={d.url}
        onChange={(e) => setD({ ...d, url: e.target.value })}
        errors={errors.url}
        hint="Empty: no notifications. An ntfy topic (https://ntfy.sh/my-cell) or any URL that takes a JSON POST."
      />
      <div className="field">
        <label htmlFor="f-format">Format</label>
        <select
          id="f-format"
          value={d.format}
          onChange={(e) => setD({ ...d, format: e.target.value as 'json' | 'ntfy' })}
        >
          <option value="json">Generic JSON</option>
          <option value="ntfy">ntfy</option>
        </select>
      </div>
      <div className="row">
        <SubmitButton pending={update.isPending}>Save notifications</SubmitButton>
        <button
          type="button"
          className="btn"
          disabled={test.isPending || !stored.url}
          onClick={() => {
            setNotice(null);
            test.mutate(undefined, { onSuccess: () => setNotice('Test sent.') });
          }}
        >
          Send test
        </button>
      </div>
    </form>
  );
}
