'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { signOut } from '@/lib/client/auth';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { Form } from '@/components/form';
import { PasswordMeter } from '@/components/password-meter';

/** Own password change for admins and peers; every session (this one too) ends afterwards. */
export function ChangePasswordForm() {
  const change = trpc.account.changePassword.useMutation();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [done, setDone] = useState(false);
  const [next, setNext] = useState('');
  const me = trpc.account.me.useQuery();

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const value = (k: string) => String(form.get(k) ?? '');
    try {
      await change.mutateAsync({
        currentPassword: value('currentPassword'),
        newPassword: value('newPassword'),
        confirmPassword: value('confirmPassword'),
      });
      setErrors({});
      setDone(true);
      setTimeout(() => void signOut(), 1500);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  if (done) return <Alert kind="ok">Password changed. Signing you out so you can sign in with the new one…</Alert>;
  return (
    <Form className="card stack" onSubmit={onSubmit} style={{ maxWidth: 480 }}>
      <h2>Change password</h2>
      {change.error && !Object.keys(errors).length && <Alert kind="error">{change.error.message}</Alert>}
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        errors={errors.currentPassword}
        required
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters, hard to guess."
        errors={errors.newPassword}
        onChange={(e) => setNext(e.target.value)}
        required
      />
      <PasswordMeter password={next} userInputs={[me.data?.username ?? '']} />
      <Field
        label="Confirm new password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        errors={errors.confirmPassword}
        required
      />
      <SubmitButton pending={change.isPending}>Change password</SubmitButton>
    </Form>
  );
}
