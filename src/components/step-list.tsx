import type { ReactNode } from 'react';

const MARK: Record<string, string> = {
  pending: '○',
  running: '◔',
  done: '✓',
  failed: '✗',
  undone: '↺',
  skipped: '–',
};

export interface ShownStep {
  name: string;
  state: string;
  detail: string;
  percent?: number;
  ms?: number;
}

/** An operation's steps as they run: each with its state, what it says, a bar while it counts, and how long it took. */
export function StepList({ label, steps }: { label: string; steps: ShownStep[] }): ReactNode {
  return (
    <ol className="op-steps" aria-label={label}>
      {steps.map((s) => (
        <li key={s.name} data-testid={`step-${s.name}`} data-state={s.state}>
          <span aria-hidden="true">{MARK[s.state]}</span> <strong>{s.name}</strong>{' '}
          <span className="muted">
            {s.state}
            {s.detail ? ` · ${s.detail}` : ''}
            {s.ms !== undefined ? ` · ${(s.ms / 1000).toFixed(1)} s` : ''}
          </span>
          {s.state === 'running' && s.percent !== undefined && (
            <progress className="op-progress" max={100} value={s.percent} aria-label={`${s.name}: ${s.percent}%`}>
              {s.percent}%
            </progress>
          )}
        </li>
      ))}
    </ol>
  );
}
