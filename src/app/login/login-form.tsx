'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field } from '@/components/ui';
import { signIn } from '@/lib/client/auth';
import { Form } from '@/components/form';

/** `next`: a local path to return to; `claimed`: the username that just chose its password. */
export function LoginForm({ next, claimed }: { next: string | null; claimed?: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const result = await signIn(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
    if (result.ok) {
      // Back where the person was going; else the home page sends admins to the dashboard, peers to their portal.
      location.assign(next ?? '/');
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
      {claimed && !error && <Alert kind="ok">Your password is set. Sign in as {claimed} with it.</Alert>}
      {error && <Alert kind="error">{error}</Alert>}
      <Field
        label="Username"
        name="username"
        autoComplete="username"
        defaultValue={claimed}
        autoFocus={!claimed}
        required
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        autoFocus={Boolean(claimed)}
        required
      />
      <button className="btn btn-primary" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </Form>
  );
}
