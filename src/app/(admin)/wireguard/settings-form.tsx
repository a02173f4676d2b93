'use client';

import { useEffect, useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { localFieldErrors } from '@/lib/field-errors';
import { updateWireguardSchema } from '@/lib/schemas/wireguard';

type TextField =
  'listenPort' | 'subnet' | 'subnet6' | 'endpointHost' | 'endpointPort' | 'dns' | 'mtu' | 'persistentKeepalive';
type Draft = Record<TextField, string>;

const num = (v: string) => (v.trim() === '' ? null : Number(v));

export function WireguardSettingsForm({ onApplied }: { onApplied: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const current = trpc.wireguard.get.useQuery();
  const update = trpc.wireguard.update.useMutation();
  const [d, setD] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [confirm, setConfirm] = useState<string | null>(null);
  const c = current.data;

  useEffect(() => {
    if (c && !d) {
      setD({
        listenPort: String(c.listenPort),
        subnet: c.subnet,
        subnet6: c.subnet6 ?? '',
        endpointHost: c.endpointHost ?? '',
        endpointPort: c.endpointPort ? String(c.endpointPort) : '',
        dns: (c.dns ?? []).join(', '),
        mtu: c.mtu ? String(c.mtu) : '',
        persistentKeepalive: String(c.persistentKeepalive),
      });
    }
  }, [c, d]);

  async function save(confirmReaddress: boolean) {
    if (!d) return;
    const input = {
      listenPort: num(d.listenPort) ?? undefined,
      subnet: d.subnet,
      subnet6: d.subnet6,
      endpointHost: d.endpointHost,
      endpointPort: num(d.endpointPort),
      dns: d.dns.split(/[\s,]+/).filter(Boolean),
      mtu: num(d.mtu),
      persistentKeepalive: num(d.persistentKeepalive) ?? 0,
      confirmReaddress,
    };
    const local = localFieldErrors(updateWireguardSchema, input);
    setErrors(local ?? {});
    if (local) return;
    try {
      const r = await update.mutateAsync(input);
      setErrors({});
      setConfirm(null);
      onApplied(r.apply);
      await utils.wireguard.invalidate();
    } catch (err) {
      const fields = fieldErrorsOf(err);
      // Moving peers to a new subnet needs an explicit yes.
      if (fields.confirmReaddress) setConfirm(fields.confirmReaddress[0]!);
      setErrors(fields);
    }
  }

  if (!d || !c) return current.error ? <Alert kind="error">{current.error.message}</Alert> : null;
  const field = (k: keyof Draft, label: string, extra: Record<string, string> = {}) => (
    <Field
      label={label}
      name={k}
      value={d[k]}
      onChange={(e) => setD({ ...d, [k]: e.target.value })}
      errors={errors[k] ?? (k === 'dns' ? errors['dns.0'] : undefined)}
      {...extra}
    />
  );
  return (
    <form
      className="card stack"
      style={{ maxWidth: 640 }}
      noValidate
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void save(false);
      }}
    >
      <h2>Settings</h2>
      {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
      {field('listenPort', 'Listen port', { inputMode: 'numeric' })}
      {field('subnet', 'Tunnel subnet (IPv4)', { hint: `The cell is ${c.cellAddress}; room for ${c.capacity} peers.` })}
      {field('subnet6', 'IPv6 subnet (optional, unique local)', { placeholder: 'fd12:3456:789a::/64' })}
      {field('endpointHost', 'Public endpoint host', { placeholder: c.endpoint.replace(/:\d+$/, '') })}
      {field('endpointPort', 'Public endpoint port', { placeholder: String(c.listenPort), inputMode: 'numeric' })}
      {field('dns', 'DNS servers for peers', { placeholder: c.effectiveDns.join(', ') })}
      {field('mtu', 'MTU (optional)', { placeholder: 'automatic', inputMode: 'numeric' })}
      {field('persistentKeepalive', 'Persistent keepalive (seconds, 0 = off)', { inputMode: 'numeric' })}
      {confirm && (
        <Alert kind="warn">
          <p style={{ marginTop: 0 }}>{confirm}.</p>
          <button type="button" className="btn btn-danger" onClick={() => void save(true)}>
            Move peers to the new subnet
          </button>
        </Alert>
      )}
      <SubmitButton pending={update.isPending}>Save settings</SubmitButton>
    </form>
  );
}
