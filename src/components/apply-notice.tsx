import { Alert } from './ui';

export type ApplyState =
  { state: 'applied'; via: string } | { state: 'pending'; reason: string } | { state: 'rejected'; reason: string };

const APPLY_KIND = { applied: 'ok', pending: 'warn', rejected: 'error' } as const;

/** The one wording for every change: saved and applied, saved and waiting for its daemon, or refused. */
function applyMessage(apply: ApplyState, target: string): string {
  if (apply.state === 'applied') return `Saved and applied (${apply.via}).`;
  if (apply.state === 'rejected')
    return `Saved, but ${target} refused it and keeps its previous config: ${apply.reason}`;
  return `Saved; it will apply when ${target} is reachable (${apply.reason}).`;
}

/** Says honestly whether a change reached its daemon (the WireGuard interface, cell-dns, Caddy, ...). */
export function ApplyNotice({
  apply,
  target = 'the WireGuard interface',
}: {
  apply: ApplyState | null | undefined;
  target?: string;
}) {
  if (!apply) return null;
  return <Alert kind={APPLY_KIND[apply.state]}>{applyMessage(apply, target)}</Alert>;
}
