'use client';

import { StepList } from '@/components/step-list';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

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
      <StepList label={`${data.kind} of ${data.instanceId}`} steps={data.steps} />
      {data.state === 'succeeded' && <Alert kind="ok">Done.</Alert>}
      {data.state === 'failed' && (
        <Alert kind="error">
          {data.error}. {data.kind === 'install' ? 'Everything it had made was taken back.' : ''}
        </Alert>
      )}
    </div>
  );
}
