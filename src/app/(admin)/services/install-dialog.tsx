'use client';

import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import type { inferRouterOutputs } from '@trpc/server';
import { Dialog } from '@/components/dialog';
import { Alert, Field } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import type { AppRouter } from '@/server/routers/_app';
import { OperationSteps } from './operation-steps';

export type CatalogueEntry = inferRouterOutputs<AppRouter>['store']['catalogue']['entries'][number];
type Question = CatalogueEntry['questions'][number];

const INPUT_TYPE: Record<Question['type'], string> = {
  text: 'text',
  password: 'password',
  domain: 'text',
  email: 'email',
  number: 'number',
  choice: 'text',
};

function QuestionField({
  q,
  value,
  onChange,
  errors,
}: {
  q: Question;
  value: string;
  onChange: (v: string) => void;
  errors?: string[];
}) {
  if (q.type === 'choice')
    return (
      <div className="field">
        <label htmlFor={`q-${q.name}`}>{q.label}</label>
        <select id={`q-${q.name}`} value={value} onChange={(e) => onChange(e.target.value)}>
          {q.choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
        {q.help && <p className="hint">{q.help}</p>}
        {errors?.map((e) => (
          <p key={e} className="field-error">
            {e}
          </p>
        ))}
      </div>
    );
  return (
    <Field
      label={q.label + (q.required ? '' : ' (optional)')}
      name={q.name}
      type={INPUT_TYPE[q.type]}
      value={value}
      hint={q.help}
      onChange={(e) => onChange(e.target.value)}
      errors={errors}
      autoComplete={q.type === 'password' ? 'new-password' : 'off'}
    />
  );
}

/** The install form the manifest's questions make, then the install's steps as they run. */
export function InstallDialog({ entry, onClose }: { entry: CatalogueEntry; onClose: () => void }) {
  const utils = trpc.useUtils();
  const install = trpc.store.install.useMutation();
  const [answers, setAnswers] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      entry.questions.map((q) => [q.name, 'default' in q && q.default !== undefined ? String(q.default) : '']),
    ),
  );
  const [started, setStarted] = useState<{ operationId: string; instanceId: string } | null>(null);
  const fieldErrors = install.error?.data?.fieldErrors ?? {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const given = Object.fromEntries(
      Object.entries(answers)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => [k, entry.questions.find((q) => q.name === k)?.type === 'number' ? Number(v) : v]),
    );
    install.mutate({ id: entry.id, answers: given }, { onSuccess: setStarted });
  };
  return (
    <Dialog title={`Install ${entry.name}`} onClose={onClose}>
      {started ? (
        <div className="stack">
          <OperationSteps operationId={started.operationId} onEnd={() => void utils.store.invalidate()} />
          <Link className="btn" href={`/services/${started.instanceId}`}>
            Open {started.instanceId}
          </Link>
        </div>
      ) : (
        <form className="stack" onSubmit={submit} aria-label={`Install ${entry.name}`}>
          <p className="muted small">
            {entry.name} {entry.version}: its image is checked against the keys you trust before anything runs.
          </p>
          {entry.questions.map((q) => (
            <QuestionField
              key={q.name}
              q={q}
              value={answers[q.name] ?? ''}
              onChange={(v) => setAnswers({ ...answers, [q.name]: v })}
              errors={fieldErrors[`answers.${q.name}`]}
            />
          ))}
          {install.error && !Object.keys(fieldErrors).some((k) => k.startsWith('answers.')) && (
            <Alert kind="error">{install.error.message}</Alert>
          )}
          <div className="row">
            <button className="btn btn-primary" type="submit" disabled={install.isPending}>
              Install
            </button>
            <button className="btn" type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
