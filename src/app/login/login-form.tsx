'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field } from '@/components/ui';
import { signIn } from '@/lib/client/auth';
import { Form } from '@/components/form';

export function LoginForm() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
    if (result.ok) {
      // The home page sends admins to the dashboard and peers to their portal.
      location.assign('/');
      return;
    }
    setBusy(false);
    setError(result.message);
  }

  return (
    <Form className="card auth-card stack" onSubmit={onSubmit}>
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          PIC
        </span>
        <span>
          Personal Internet Cell<small>Sign in to your cell</small>
        </span>
      </div>
      {error && <Alert kind="error">{error}</Alert>}
      <Field label="Username" name="username" autoComplete="username" autoFocus required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <button className="btn btn-primary" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </Form>
  );
}
