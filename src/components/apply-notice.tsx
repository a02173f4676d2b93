import { Alert } from './ui';

export type ApplyState = { state: 'applied'; via: string } | { state: 'pending'; reason: string };

/** Says honestly whether a change reached the WireGuard interface. */
export function ApplyNotice({ apply }: { apply: ApplyState | null | undefined }) {
  if (!apply) return null;
  if (apply.state === 'applied') return <Alert kind="ok">Saved and applied ({apply.via}).</Alert>;
  return (
    <Alert kind="warn">
      Saved, but not applied yet: {apply.reason}. It will be applied as soon as the WireGuard interface is reachable.
    </Alert>
  );
}
