import type { ReactNode } from 'react';
import { FieldError } from './ui';

export interface Choice<T extends string> {
  value: T;
  label: string;
  summary?: ReactNode;
}

/** One of a few options as labelled cards with a line each: the one radio style of every form. */
export function Choices<T extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  errors,
}: {
  legend: string;
  name: string;
  value: T;
  options: readonly Choice<T>[];
  onChange: (value: T) => void;
  errors?: string[];
}) {
  return (
    <fieldset className="choices">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="choice">
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={value === o.value}
            onChange={() => onChange(o.value)}
          />
          <span>
            <strong>{o.label}</strong>
            {o.summary && <span className="muted small">{o.summary}</span>}
          </span>
        </label>
      ))}
      <FieldError errors={errors} />
    </fieldset>
  );
}
