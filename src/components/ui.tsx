import type { InputHTMLAttributes, ReactNode } from 'react';

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  hint?: ReactNode;
  errors?: string[];
}

/** A labelled input with its hint and every message about that field (a list field can have several). */
export function Field({ label, name, hint, errors, id, ...input }: FieldProps) {
  const fieldId = id ?? `f-${name}`;
  const error = errors?.length ? errors.join(' ') : undefined;
  return (
    <div className="field">
      <label htmlFor={fieldId}>{label}</label>
      <input
        id={fieldId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${fieldId}-err` : undefined}
        {...input}
      />
      {hint && !error && <span className="hint">{hint}</span>}
      {error && (
        <span className="error" id={`${fieldId}-err`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Every message of a field that can be wrong in several places at once (a list of networks). */
export function FieldErrors({ errors }: { errors?: string[] }) {
  return errors?.length ? (
    <ul className="error field-errors" role="alert">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  ) : null;
}

export function FieldError({ errors }: { errors?: string[] }) {
  return errors?.[0] ? (
    <span className="error" role="alert">
      {errors[0]}
    </span>
  ) : null;
}

export function Alert({ kind, children }: { kind: 'error' | 'ok' | 'warn'; children: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function PageHead({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && (
          <p className="muted" style={{ margin: 0 }}>
            {subtitle}
          </p>
        )}
      </div>
      {actions}
    </div>
  );
}

/** The form's main button; says what it is doing while the request runs. */
export function SubmitButton({
  pending,
  children,
  pendingLabel = 'Saving…',
}: {
  pending: boolean;
  children: ReactNode;
  pendingLabel?: string;
}) {
  return (
    <div>
      <button className="btn btn-primary" type="submit" disabled={pending}>
        {pending ? pendingLabel : children}
      </button>
    </div>
  );
}
