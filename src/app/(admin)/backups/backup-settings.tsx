'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';

type Settings = {
  recipient: string | null;
  scheduled: boolean;
  hour: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
};

const NUMBERS = [
  ['hour', 'At hour', "0–23, the cell's time"],
  ['keepDaily', 'Keep daily', undefined],
  ['keepWeekly', 'Keep weekly', undefined],
  ['keepMonthly', 'Keep monthly', undefined],
] as const;

/** When backups are made on their own, for whom they are locked, and how many are kept. */
export function BackupSettingsForm({ settings }: { settings: Settings }) {
  const utils = trpc.useUtils();
  const update = trpc.backup.updateSettings.useMutation({ onSuccess: () => utils.backup.settings.invalidate() });
  const [d, setD] = useState({
    ...settings,
    recipient: settings.recipient ?? '',
    hour: String(settings.hour),
    keepDaily: String(settings.keepDaily),
    keepWeekly: String(settings.keepWeekly),
    keepMonthly: String(settings.keepMonthly),
  });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [saved, setSaved] = useState(false);
  const num = (v: string) => (v.trim() === '' ? NaN : Number(v));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    try {
      await update.mutateAsync({
        recipient: d.recipient.trim() || null,
        scheduled: d.scheduled,
        hour: num(d.hour),
        keepDaily: num(d.keepDaily),
        keepWeekly: num(d.keepWeekly),
        keepMonthly: num(d.keepMonthly),
      });
      setErrors({});
      setSaved(true);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  return (
    <form className="stack" noValidate onSubmit={submit} aria-label="Backup settings">
      {saved && <Alert kind="ok">Saved.</Alert>}
      {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
      <Field
        label="Recipient key"
        name="recipient"
        value={d.recipient}
        onChange={(e) => setD({ ...d, recipient: e.target.value })}
        errors={errors.recipient}
        hint="An age public key (age1…, from age-keygen -y). Whoever holds its secret key opens the scheduled backups; the cell keeps no passphrase."
      />
      <label className="row">
        <input type="checkbox" checked={d.scheduled} onChange={(e) => setD({ ...d, scheduled: e.target.checked })} />{' '}
        Back up every day
      </label>
      <div className="grid">
        {NUMBERS.map(([name, label, hint]) => (
          <Field
            key={name}
            label={label}
            name={name}
            inputMode="numeric"
            value={d[name]}
            onChange={(e) => setD({ ...d, [name]: e.target.value })}
            errors={errors[name]}
            hint={hint}
          />
        ))}
      </div>
      <p className="muted small">Backups made by hand are kept until you delete them.</p>
      <SubmitButton pending={update.isPending}>Save settings</SubmitButton>
    </form>
  );
}
