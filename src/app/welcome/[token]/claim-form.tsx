'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { Form } from '@/components/form';
import { PasswordMeter } from '@/components/password-meter';

export function ClaimForm({ token, username }: { token: string; username: string }) {
  const claim = trpc.account.claimLink.useMutation();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [password, setPassword] = useState('');

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    try {
      await claim.mutateAsync({
        token,
        password: String(form.get('password') ?? ''),
        confirmPassword: String(form.get('confirmPassword') ?? ''),
      });
      location.assign(`/login?claimed=${encodeURIComponent(username)}`);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  return (
    <Form className="stack" onSubmit={onSubmit} noValidate>
      <p>
        Choose a password for <strong>{username}</strong>. You will sign in with it to see your devices and configs.
      </p>
      {(errors.token || (claim.error && !Object.keys(errors).length)) && (
        <Alert kind="error">{errors.token?.[0] ?? claim.error?.message}</Alert>
      )}
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        errors={errors.password}
        hint="At least 12 characters, hard to guess"
        onChange={(e) => setPassword(e.target.value)}
      />
      <PasswordMeter password={password} userInputs={[username]} />
      <Field
        label="Confirm password"
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        errors={errors.confirmPassword}
      />
      <SubmitButton pending={claim.isPending} pendingLabel="Saving…">
        Set password
      </SubmitButton>
    </Form>
  );
}
