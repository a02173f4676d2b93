'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import type { PeerRow } from './peer-row';
import { Choices } from '@/components/choices';
import { Form } from '@/components/form';
import { useCopy } from '@/components/toast';
import { PasswordMeter } from '@/components/password-meter';

/** Gives a peer a portal login: an initial password, or a one-time link to copy. Again for a reset. */
export function PeerLoginForm({ peer }: { peer: PeerRow }) {
  const utils = trpc.useUtils();
  const create = trpc.peers.createLogin.useMutation({ onSuccess: () => void utils.peers.invalidate() });
  const [username, setUsername] = useState(peer.login ?? '');
  const [mode, setMode] = useState<'password' | 'link'>('link');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const copy = useCopy();
  const result = create.data;
  const link = result?.link ? `${window.location.origin}${result.link}` : null;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await create.mutateAsync({
        peerId: peer.id,
        username,
        mode,
        password: mode === 'password' ? password : undefined,
      });
      setErrors({});
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  if (result) {
    return (
      <div className="stack">
        <Alert kind="ok">
          {result.username} can sign in to the portal
          {link ? ' once they choose a password with this link' : ' with the password you set'}.
        </Alert>
        {link && (
          <>
            <input aria-label="One-time link" readOnly value={link} onFocus={(e) => e.target.select()} />
            <div className="row">
              <button className="btn" onClick={() => copy(link, 'Link')}>
                Copy link
              </button>
              <span className="muted small">Works once, until {result.expiresAt?.toLocaleString()}.</span>
            </div>
          </>
        )}
      </div>
    );
  }
  return (
    <Form className="stack" onSubmit={onSubmit} noValidate>
      {peer.login && (
        <p className="small">
          {peer.name} already signs in as {peer.login}: this resets that login.
        </p>
      )}
      {create.error && !Object.keys(errors).length && <Alert kind="error">{create.error.message}</Alert>}
      <Field
        label="Username"
        name="username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        errors={errors.username}
      />
      <Choices
        legend="How they get in"
        name="mode"
        value={mode}
        options={[
          { value: 'link', label: 'One-time link', summary: 'They choose the password.' },
          { value: 'password', label: 'Set an initial password', summary: 'You tell them the password.' },
        ]}
        onChange={setMode}
      />
      {mode === 'password' && (
        <Field
          label="Initial password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          errors={errors.password}
        />
      )}
      {mode === 'password' && <PasswordMeter password={password} userInputs={[username]} />}
      <SubmitButton pending={create.isPending}>Give login</SubmitButton>
    </Form>
  );
}
