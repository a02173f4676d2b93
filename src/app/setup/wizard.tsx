'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui';
import { signIn } from '@/lib/client/auth';
import { fieldErrorsOf, sendSetupCode, trpc } from '@/lib/client/trpc';
import { SETUP_SERVICE_IDS } from '@/lib/services';
import { setupCodeSchema, setupStepSchemas, type SetupStep } from '@/lib/schemas/setup';
import {
  AdminStep,
  CodeStep,
  DomainStep,
  IdentityStep,
  ReviewStep,
  ServicesStep,
  TimezoneStep,
  type StepProps,
  type WizardData,
} from './steps';
import { Form } from '@/components/form';

type Step = { id: SetupStep | 'code' | 'review'; title: string; Component: (p: StepProps) => React.ReactNode };

const CODE_STEP: Step = { id: 'code', title: 'Code', Component: CodeStep };
const STEPS: Step[] = [
  { id: 'identity', title: 'Name', Component: IdentityStep },
  { id: 'domain', title: 'Domain', Component: DomainStep },
  { id: 'timezone', title: 'Time zone', Component: TimezoneStep },
  { id: 'admin', title: 'Admin', Component: AdminStep },
  { id: 'services', title: 'Services', Component: ServicesStep },
  { id: 'review', title: 'Review', Component: ReviewStep },
];

/** What each step's form checks, here for instant feedback and on the server for the truth. */
const SCHEMAS = { ...setupStepSchemas, code: setupCodeSchema };

const INITIAL: WizardData = {
  setupCode: '',
  cellName: '',
  domainMode: 'lan',
  domain: '',
  ddnsToken: '',
  timezone: 'UTC',
  adminUsername: 'admin',
  adminPassword: '',
  confirmPassword: '',
  services: [...SETUP_SERVICE_IDS],
};

function issuesByField(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) (out[i.path.map(String).join('.') || '_form'] ??= []).push(i.message);
  return out;
}

/** The wizard; opened from another machine than the cell's host (`codeRequired`), it first asks for the setup code. */
export function SetupWizard({ codeRequired = false }: { codeRequired?: boolean }) {
  const steps = codeRequired ? [CODE_STEP, ...STEPS] : STEPS;
  const [index, setIndex] = useState(0);
  const [data, setData] = useState<WizardData>(INITIAL);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const validateStep = trpc.setup.validateStep.useMutation();
  const checkCode = trpc.setup.checkCode.useMutation();
  const complete = trpc.setup.complete.useMutation();
  const step = steps[index]!;
  const busy = validateStep.isPending || checkCode.isPending || complete.isPending;

  useEffect(() => {
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz) setData((d) => ({ ...d, timezone: tz }));
  }, []);

  const set = (patch: Partial<WizardData>) => {
    setData((d) => ({ ...d, ...patch }));
    // A new domain mode asks different questions: its old messages no longer apply.
    setErrors((e) =>
      'domainMode' in patch ? {} : Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))),
    );
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    try {
      if (step.id !== 'review') {
        const local = SCHEMAS[step.id].safeParse(data);
        if (!local.success) return setErrors(issuesByField(local.error));
        if (step.id === 'code') {
          // Every later call carries the code; the server checks it on each.
          sendSetupCode(data.setupCode.trim());
          await checkCode.mutateAsync();
        } else await validateStep.mutateAsync({ step: step.id, data: { ...data } });
        setErrors({});
        return setIndex(index + 1);
      }
      const { confirmPassword: _, setupCode: __, ...input } = data;
      await complete.mutateAsync({
        ...input,
        domain: input.domain || undefined,
        ddnsToken: input.ddnsToken || undefined,
      });
      const login = await signIn(data.adminUsername, data.adminPassword);
      location.assign(login.ok ? '/dashboard' : '/login');
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      const firstStep = steps.findIndex(
        (s) => s.id !== 'review' && Object.keys(fields).some((f) => f in SCHEMAS[s.id as SetupStep | 'code'].shape),
      );
      if (step.id === 'review' && firstStep >= 0) setIndex(firstStep);
      setFormError(Object.keys(fields).length ? null : (err as Error).message);
    }
  }

  return (
    <Form className="card wizard stack" onSubmit={onSubmit} noValidate>
      <div>
        <div className="brand" style={{ marginBottom: '1rem' }}>
          <span className="brand-mark" aria-hidden>
            PIC
          </span>
          <span>
            Personal Internet Cell<small>First-run setup</small>
          </span>
        </div>
        <ol className="steps" aria-label="Setup steps">
          {steps.map((s, i) => (
            <li
              key={s.id}
              data-state={i < index ? 'done' : i === index ? 'current' : 'todo'}
              aria-current={i === index ? 'step' : undefined}
            >
              {s.title}
            </li>
          ))}
        </ol>
        <h2>{step.id === 'review' ? 'Review and create your cell' : step.title}</h2>
      </div>
      {formError && <Alert kind="error">{formError}</Alert>}
      <step.Component data={data} set={set} errors={errors} />
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <button type="button" className="btn" onClick={() => setIndex(index - 1)} disabled={index === 0 || busy}>
          Back
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {step.id === 'review' ? (busy ? 'Creating…' : 'Create cell') : busy ? 'Checking…' : 'Continue'}
        </button>
      </div>
    </Form>
  );
}
