import { Alert } from './ui';

export type ApplyState = { state: 'applied'; via: string } | { state: 'pending'; reason: string };

/** Says honestly whether a change reached its daemon (the WireGuard interface, cell-dns, ...). */
export function ApplyNotice({ apply, target = 'the WireGuard interface' }: { apply: ApplyState | null | undefined; target?: string }) {
  if (!apply) return null;
  if (apply.state === 'applied') return <Alert kind="ok">Saved and applied ({apply.via}).</Alert>;
  return (
    <Alert kind="warn">
      Saved, but not applied yet: {apply.reason}. It will be applied as soon as {target} is reachable.
    </Alert>
  );
}
