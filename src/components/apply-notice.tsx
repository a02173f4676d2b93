import { Alert } from './ui';

export type ApplyState =
  { state: 'applied'; via: string } | { state: 'pending'; reason: string } | { state: 'rejected'; reason: string };

/** Says honestly whether a change reached its daemon (the WireGuard interface, cell-dns, Caddy, ...). */
export function ApplyNotice({
  apply,
  target = 'the WireGuard interface',
}: {
  apply: ApplyState | null | undefined;
  target?: string;
}) {
  if (!apply) return null;
  if (apply.state === 'applied') return <Alert kind="ok">Saved and applied ({apply.via}).</Alert>;
  if (apply.state === 'rejected')
    return (
      <Alert kind="error">Saved, but refused by the daemon, which keeps its previous config: {apply.reason}</Alert>
    );
  return (
    <Alert kind="warn">
      Saved, but not applied yet: {apply.reason}. It will be applied as soon as {target} is reachable.
    </Alert>
  );
}
