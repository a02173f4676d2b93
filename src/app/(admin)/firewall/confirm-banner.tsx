'use client';

import { useEffect, useState } from 'react';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';

/** Counts down to the moment an unconfirmed change is rolled back, and keeps it on request. */
export function ConfirmBanner() {
  const utils = trpc.useUtils();
  const status = trpc.firewall.status.useQuery(undefined, { refetchInterval: 5_000 });
  const confirm = trpc.firewall.confirm.useMutation({ onSuccess: () => utils.firewall.status.invalidate() });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  const s = status.data;
  if (!s) return null;
  const left = s.confirmBy ? Math.max(0, Math.round((new Date(s.confirmBy).getTime() - now) / 1000)) : null;
  return (
    <>
      {left !== null && (
        <Alert kind="warn">
          <span data-testid="confirm-countdown">
            The new rules are in place. Keep them within {left} s, or the previous rules come back (in case this change
            cut you off).
          </span>{' '}
          <button className="btn btn-primary" onClick={() => confirm.mutate()} disabled={confirm.isPending}>
            Keep these rules
          </button>
        </Alert>
      )}
      {s.rolledBackAt && left === null && (
        <Alert kind="warn">
          A change was not confirmed in time: the previous rules were put back at{' '}
          {new Date(s.rolledBackAt).toLocaleString()}.
        </Alert>
      )}
      {s.apply?.state === 'pending' && <Alert kind="warn">The rules are not in the kernel yet: {s.apply.reason}</Alert>}
      {s.repairedAt && (
        <p className="muted small" style={{ margin: 0 }}>
          Last repair: {new Date(s.repairedAt).toLocaleString()} ({s.repairReason}).
        </p>
      )}
    </>
  );
}
