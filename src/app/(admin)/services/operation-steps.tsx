'use client';

import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

const MARK: Record<string, string> = {
  pending: '○',
  running: '◔',
  done: '✓',
  failed: '✗',
  undone: '↺',
  skipped: '–',
};

/** An install, update or removal, step by step, live while it runs. */
export function OperationSteps({ operationId, onEnd }: { operationId: string; onEnd?: (ok: boolean) => void }) {
  const op = trpc.store.operation.useQuery(
    { operationId },
    { refetchInterval: (q) => (q.state.data?.state === 'running' ? 500 : false) },
  );
  const data = op.data;
  if (!data) return <p className="muted">Starting…</p>;
  if (data.state !== 'running') queueMicrotask(() => onEnd?.(data.state === 'succeeded'));
  return (
    <div className="stack" data-testid="operation" data-state={data.state}>
      <ol className="op-steps" aria-label={`${data.kind} of ${data.instanceId}`}>
        {data.steps.map((s) => (
          <li key={s.name} data-testid={`step-${s.name}`} data-state={s.state}>
            <span aria-hidden="true">{MARK[s.state]}</span> <strong>{s.name}</strong>{' '}
            <span className="muted">
              {s.state}
              {s.detail ? ` · ${s.detail}` : ''}
              {s.state === 'running' && s.percent !== undefined ? ` · ${s.percent}%` : ''}
              {s.ms !== undefined ? ` · ${(s.ms / 1000).toFixed(1)} s` : ''}
            </span>
          </li>
        ))}
      </ol>
      {data.state === 'succeeded' && <Alert kind="ok">Done.</Alert>}
      {data.state === 'failed' && (
        <Alert kind="error">
          {data.error}. {data.kind === 'install' ? 'Everything it had made was taken back.' : ''}
        </Alert>
      )}
    </div>
  );
}
