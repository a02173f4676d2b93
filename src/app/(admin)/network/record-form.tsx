'use client';

import { useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { localFieldErrors } from '@/lib/field-errors';
import { RECORD_TYPES, recordInput, updateRecordInput, type RecordType } from '@/lib/schemas/dns';

export interface RecordDraft {
  id?: number;
  zone: string;
  name: string;
  type: RecordType;
  value: string;
  ttl: number;
}

const VALUE_HINT: Record<RecordType, string> = {
  A: 'An IPv4 address: 10.0.0.5',
  AAAA: 'An IPv6 address: fd00::5',
  CNAME: 'A name in this zone (calendar) or elsewhere with a final dot (host.example.org.)',
  TXT: 'Any text; long text is split into 255-byte strings',
  MX: 'Preference and mail host: 10 mail',
  SRV: 'Priority, weight, port and target: 0 1 443 calendar',
};

/** Create or edit one custom record; the server's field errors appear next to each field. */
export function RecordForm({
  zones,
  initial,
  onDone,
}: {
  zones: string[];
  initial?: RecordDraft;
  onDone: (apply: ApplyState) => void;
}) {
  const utils = trpc.useUtils();
  const create = trpc.dns.createRecord.useMutation();
  const update = trpc.dns.updateRecord.useMutation();
  const [d, setD] = useState<RecordDraft>(
    initial ?? { zone: zones[0] ?? 'cell', name: '', type: 'A', value: '', ttl: 300 },
  );
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const pending = create.isPending || update.isPending;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = { zone: d.zone, name: d.name, type: d.type, value: d.value, ttl: Number(d.ttl) };
    const local = localFieldErrors(d.id ? updateRecordInput : recordInput, d.id ? { id: d.id, ...input } : input);
    setErrors(local ?? {});
    setError(null);
    if (local) return;
    try {
      const r = d.id ? await update.mutateAsync({ id: d.id, ...input }) : await create.mutateAsync(input);
      await utils.dns.invalidate();
      onDone(r.apply);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setError(Object.keys(fields).length ? null : (err as Error).message);
    }
  }

  return (
    <form className="stack" noValidate onSubmit={submit}>
      {error && <Alert kind="error">{error}</Alert>}
      <div className="field">
        <label htmlFor="f-zone">Zone</label>
        <select id="f-zone" value={d.zone} onChange={(e) => setD({ ...d, zone: e.target.value })}>
          {zones.map((z) => (
            <option key={z}>{z}</option>
          ))}
        </select>
        {errors.zone && (
          <span className="error" role="alert">
            {errors.zone[0]}
          </span>
        )}
      </div>
      <Field
        label="Name"
        name="name"
        value={d.name}
        onChange={(e) => setD({ ...d, name: e.target.value })}
        errors={errors.name}
        hint={`Relative to ${d.zone}: @ for ${d.zone} itself`}
      />
      <div className="field">
        <label htmlFor="f-type">Type</label>
        <select id="f-type" value={d.type} onChange={(e) => setD({ ...d, type: e.target.value as RecordType })}>
          {RECORD_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        {errors.type && (
          <span className="error" role="alert">
            {errors.type[0]}
          </span>
        )}
      </div>
      <Field
        label="Value"
        name="value"
        value={d.value}
        onChange={(e) => setD({ ...d, value: e.target.value })}
        errors={errors.value}
        hint={VALUE_HINT[d.type]}
      />
      <Field
        label="TTL (seconds)"
        name="ttl"
        inputMode="numeric"
        value={String(d.ttl)}
        onChange={(e) => setD({ ...d, ttl: Number(e.target.value) || 0 })}
        errors={errors.ttl}
        hint="30 seconds to one day"
      />
      <SubmitButton pending={pending}>{d.id ? 'Save record' : 'Add record'}</SubmitButton>
    </form>
  );
}
