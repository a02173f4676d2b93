'use client';

import { useEffect, useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { DataTable } from '@/components/data-table';
import { Alert, Field, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { ConfigStatus } from './config-status';

const FIELDS = [
  ['interface', 'LAN interface', 'The host interface on the LAN, like eth0'],
  ['rangeStart', 'Range start', 'First address handed out'],
  ['rangeEnd', 'Range end', 'Last address handed out'],
  ['netmask', 'Netmask', 'Like 255.255.255.0'],
  ['gateway', 'Gateway (router)', 'Empty: no router option'],
  ['dnsServer', "The cell's LAN address", 'Handed out as the DNS server; cell-dns is published there'],
  ['leaseSeconds', 'Lease time (seconds)', '2 minutes to 7 days'],
] as const;
type Key = (typeof FIELDS)[number][0];

/** DHCP for the LAN (off by default) and static reservations, which also get .cell names. */
export function DhcpCard({ onApplied }: { onApplied: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const current = trpc.dhcp.get.useQuery();
  const reservations = trpc.dhcp.reservations.useQuery();
  const update = trpc.dhcp.update.useMutation();
  const create = trpc.dhcp.createReservation.useMutation();
  const remove = trpc.dhcp.removeReservation.useMutation();
  const [d, setD] = useState<(Record<Key, string> & { enabled: boolean }) | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [res, setRes] = useState({ mac: '', address: '', name: '' });
  const [resErrors, setResErrors] = useState<Record<string, string[]>>({});
  const c = current.data;

  useEffect(() => {
    if (c && !d) {
      setD({
        enabled: c.enabled,
        interface: c.interface,
        rangeStart: c.rangeStart,
        rangeEnd: c.rangeEnd,
        netmask: c.netmask,
        gateway: c.gateway ?? '',
        dnsServer: c.dnsServer,
        leaseSeconds: String(c.leaseSeconds),
      });
    }
  }, [c, d]);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!d) return;
    try {
      const r = await update.mutateAsync({
        ...d,
        gateway: d.gateway.trim() || null,
        leaseSeconds: Number(d.leaseSeconds) || 0,
      });
      setErrors({});
      onApplied(r.apply);
      await utils.dhcp.invalidate();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  async function reserve(e: FormEvent) {
    e.preventDefault();
    try {
      const r = await create.mutateAsync(res);
      setRes({ mac: '', address: '', name: '' });
      setResErrors({});
      onApplied(r.apply);
      await Promise.all([utils.dhcp.invalidate(), utils.dns.invalidate()]);
    } catch (err) {
      setResErrors(fieldErrorsOf(err));
    }
  }

  if (!d) return current.error ? <Alert kind="error">{current.error.message}</Alert> : null;
  return (
    <section className="card stack" aria-label="DHCP">
      <h2>DHCP for the LAN</h2>
      <ConfigStatus state={c?.applyState} target="cell-dhcp" />
      <form className="stack" noValidate onSubmit={save}>
        <label className="row">
          <input type="checkbox" checked={d.enabled} onChange={(e) => setD({ ...d, enabled: e.target.checked })} /> This
          cell is the LAN&apos;s DHCP server
        </label>
        <p className="muted small" style={{ margin: 0 }}>
          Turn off the router&apos;s own DHCP first: two DHCP servers on one LAN hand out clashing addresses. DNS stays
          with the cell&apos;s DNS.
        </p>
        {update.error && !Object.keys(errors).length && <Alert kind="error">{update.error.message}</Alert>}
        <div className="grid">
          {FIELDS.map(([k, label, hint]) => (
            <Field
              key={k}
              label={label}
              name={k}
              value={d[k]}
              onChange={(e) => setD({ ...d, [k]: e.target.value })}
              errors={errors[k]}
              hint={hint}
            />
          ))}
        </div>
        <SubmitButton pending={update.isPending}>Save DHCP settings</SubmitButton>
      </form>
      <h2>Reservations</h2>
      <DataTable
        label="Reservations"
        rows={reservations.data}
        rowKey={(r) => r.id}
        empty="No reservations."
        columns={[
          { header: 'Name', cell: (r) => <code>{r.name}.cell</code> },
          { header: 'MAC', cell: (r) => <code>{r.mac}</code> },
          { header: 'Address', cell: (r) => <code>{r.address}</code> },
          {
            header: 'Actions',
            cell: (r) => (
              <button
                className="btn btn-danger"
                onClick={() =>
                  remove.mutate(
                    { id: r.id },
                    {
                      onSuccess: (removed) => {
                        onApplied(removed.apply);
                        void utils.dhcp.invalidate();
                        void utils.dns.invalidate();
                      },
                    },
                  )
                }
              >
                Delete
              </button>
            ),
          },
        ]}
      />
      <form className="grid" noValidate onSubmit={reserve} aria-label="New reservation">
        <Field
          label="Name"
          name="res-name"
          value={res.name}
          onChange={(e) => setRes({ ...res, name: e.target.value })}
          errors={resErrors.name}
          hint="Also its .cell name"
        />
        <Field
          label="MAC address"
          name="res-mac"
          value={res.mac}
          onChange={(e) => setRes({ ...res, mac: e.target.value })}
          errors={resErrors.mac}
        />
        <Field
          label="Address"
          name="res-address"
          value={res.address}
          onChange={(e) => setRes({ ...res, address: e.target.value })}
          errors={resErrors.address}
        />
        <SubmitButton pending={create.isPending}>Reserve</SubmitButton>
      </form>
    </section>
  );
}
