'use client';

import { useEffect } from 'react';
import { StepList } from '@/components/step-list';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

const DONE = {
  backup: 'Backed up, and proven restorable: the archive was decrypted again and every item checked.',
  restore: 'Restored. Sign in again if the page asks: sessions are as they were in the backup.',
  fetch: 'Fetched: restore it with its passphrase or key.',
} as const;
const LABEL = { backup: 'Backup', restore: 'Restore', fetch: 'Fetch' } as const;

/** A backup, a restore or a fetch from off-site, step by step, live while it runs. */
export function BackupOperation({ operationId, onEnd }: { operationId: string; onEnd?: (ok: boolean) => void }) {
  const op = trpc.backup.operation.useQuery(
    { operationId },
    { refetchInterval: (q) => (q.state.data?.state === 'running' ? 400 : false), retry: 8 },
  );
  const data = op.data;
  const state = data?.state;
  useEffect(() => {
    if (state && state !== 'running') onEnd?.(state === 'succeeded');
    // Only the end itself calls the caller’s onEnd (once: the state changes once to it).
  }, [state]);
  if (!data) return <p className="muted">Starting…</p>;
  // A backup sent off-site again is an operation of one step.
  const copyOnly = data.steps.length === 1 && data.steps[0]!.name === 'off-site';
  return (
    <div className="stack" data-testid="backup-operation" data-state={data.state}>
      <StepList label={LABEL[data.kind]} steps={data.steps} />
      {data.state === 'succeeded' && (
        <Alert kind="ok">
          {copyOnly ? `${data.steps[0]!.detail[0]!.toUpperCase()}${data.steps[0]!.detail.slice(1)}.` : DONE[data.kind]}
        </Alert>
      )}
      {data.state === 'failed' && (
        <Alert kind="error">
          {data.error}.{' '}
          {data.kind === 'restore' && data.steps.some((s) => s.state === 'undone')
            ? 'Everything it had changed was put back.'
            : data.kind === 'restore'
              ? 'Nothing was changed.'
              : ''}
        </Alert>
      )}
    </div>
  );
}
