'use client';

import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

/** A container's last lines, as the engine keeps them. */
export function ContainerLogs({ name }: { name: string }) {
  const logs = trpc.containers.logs.useQuery({ id: name, tail: 500 }, { refetchInterval: 5000 });
  if (logs.error) return <Alert kind="error">{logs.error.message}</Alert>;
  return (
    <pre className="logs" aria-label={`Output of ${name}`}>
      {(logs.data ?? []).map((l) => l.text).join('\n') || 'No output.'}
    </pre>
  );
}
