'use client';

import { useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';

/** Issue a server or client certificate; names are comma or space separated. */
export function IssueForm({ onDone }: { onDone: (commonName: string) => void }) {
  const utils = trpc.useUtils();
  const issue = trpc.vault.issue.useMutation();
  const [d, setD] = useState({ commonName: '', sans: '', kind: 'server' as 'server' | 'client', validityDays: '397' });
  const [errors, setErrors] = useState<Record<string, string[]>>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const cert = await issue.mutateAsync({
        commonName: d.commonName,
        kind: d.kind,
        sans: d.sans.split(/[\s,]+/).filter(Boolean),
        validityDays: Number(d.validityDays) || 0,
      });
      await utils.vault.list.invalidate();
      onDone(cert.commonName);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  const sanError = Object.entries(errors).find(([k]) => k === 'sans' || k.startsWith('sans.'))?.[1];
  return (
    <form className="stack" noValidate onSubmit={submit}>
      {issue.error && !Object.keys(errors).length && <Alert kind="error">{issue.error.message}</Alert>}
      <div className="field">
        <label htmlFor="f-kind">Kind</label>
        <select
          id="f-kind"
          value={d.kind}
          onChange={(e) => setD({ ...d, kind: e.target.value as 'server' | 'client' })}
        >
          <option value="server">Server (HTTPS for a service)</option>
          <option value="client">Client (a person or device proving who it is)</option>
        </select>
      </div>
      <Field
        label="Common name"
        name="commonName"
        value={d.commonName}
        onChange={(e) => setD({ ...d, commonName: e.target.value })}
        errors={errors.commonName}
        hint="nas.cell, or a person's name for a client certificate"
      />
      <Field
        label="Names and addresses (SANs)"
        name="sans"
        value={d.sans}
        onChange={(e) => setD({ ...d, sans: e.target.value })}
        errors={sanError}
        hint="Comma separated: nas.cell, *.example.org, 10.0.0.5. Empty: the common name."
      />
      <Field
        label="Valid for (days)"
        name="validityDays"
        inputMode="numeric"
        value={d.validityDays}
        onChange={(e) => setD({ ...d, validityDays: e.target.value })}
        errors={errors.validityDays}
        hint="1 to 825; browsers accept at most 397 for servers"
      />
      <SubmitButton pending={issue.isPending} pendingLabel="Issuing…">
        Issue certificate
      </SubmitButton>
    </form>
  );
}
