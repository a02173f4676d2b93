'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Field, SubmitButton, PageHead } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import type { DomainMode } from '@/lib/domain-modes';
import { localFieldErrors } from '@/lib/field-errors';
import { updateSettingsSchema } from '@/lib/schemas/settings';
import { DomainStep, TimezoneStep } from '../../setup/steps';
import { useToast } from '@/components/toast';
import { DomainCard } from './domain-card';
import { MetricsCard } from './metrics-card';
import { NotificationsCard } from './notifications-card';

interface Draft {
  cellName: string;
  timezone: string;
  domainMode: DomainMode;
  domain: string;
  ddnsToken: string;
}

export function SettingsView() {
  const utils = trpc.useUtils();
  const current = trpc.settings.get.useQuery();
  const update = trpc.settings.update.useMutation({ onSuccess: () => utils.invalidate() });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const toast = useToast();

  useEffect(() => {
    if (current.data && !draft) {
      const { cellName, timezone, domainMode, domain } = current.data;
      setDraft({ cellName, timezone, domainMode, domain, ddnsToken: '' });
    }
  }, [current.data, draft]);

  const set = (patch: Partial<Draft>) => {
    setDraft((d) => (d ? { ...d, ...patch } : d));
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const input = { ...draft, domain: draft.domain || undefined, ddnsToken: draft.ddnsToken || undefined };
    const local = localFieldErrors(updateSettingsSchema, input);
    setErrors(local ?? {});
    if (local) return;
    try {
      const next = await update.mutateAsync(input);
      setDraft({
        cellName: next.cellName,
        timezone: next.timezone,
        domainMode: next.domainMode,
        domain: next.domain,
        ddnsToken: '',
      });
      setErrors({});
      toast('Settings saved.');
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  return (
    <>
      <PageHead title="Settings" subtitle="The cell’s identity: name, domain and time zone." />
      {current.error && <Alert kind="error">{current.error.message}</Alert>}
      {draft && (
        <form className="card stack" onSubmit={onSubmit} style={{ maxWidth: 640 }} noValidate>
          {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
          <Field
            label="Cell name"
            name="cellName"
            value={draft.cellName}
            onChange={(e) => set({ cellName: e.target.value })}
            errors={errors.cellName}
          />
          <TimezoneStep data={draft} set={set} errors={errors} />
          <h2 style={{ marginTop: '0.5rem' }}>Domain</h2>
          <DomainStep
            data={draft}
            set={set}
            errors={errors}
            hasToken={current.data?.hasToken && current.data.domainMode === draft.domainMode}
          />
          <SubmitButton pending={update.isPending}>Save settings</SubmitButton>
        </form>
      )}
      <div style={{ marginTop: '1rem' }}>
        <DomainCard />
      </div>
      <div style={{ marginTop: '1rem' }}>
        <NotificationsCard />
      </div>
      <div style={{ marginTop: '1rem' }}>
        <MetricsCard />
      </div>
    </>
  );
}
