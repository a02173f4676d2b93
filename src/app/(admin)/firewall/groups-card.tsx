'use client';

import { useState, type FormEvent } from 'react';
import { DataTable } from '@/components/data-table';
import { Alert, Field } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { CORE_SERVICES, SERVICE_INFO } from '@/lib/schemas/firewall';

export function Groups() {
  const utils = trpc.useUtils();
  const groups = trpc.groups.list.useQuery();
  // The core services, then those installed from the store.
  const known = trpc.firewall.services.useQuery().data ?? CORE_SERVICES;
  const labelOf = (s: string) => (s in SERVICE_INFO ? SERVICE_INFO[s as keyof typeof SERVICE_INFO].label : s);
  // Awaited by the mutations, so a box shows what was asked until the list holds it.
  const done = () => Promise.all([utils.groups.list.invalidate(), utils.firewall.invalidate()]);
  const create = trpc.groups.create.useMutation({ onSuccess: done });
  const update = trpc.groups.update.useMutation({ onSuccess: done });
  /** The services a group is being given: shown at once, while the change is applied. */
  const [asked, setAsked] = useState<{ id: number; services: string[] } | null>(null);
  const remove = trpc.groups.remove.useMutation({ onSuccess: done });
  const [name, setName] = useState('');
  const [peerToPeer, setPeerToPeer] = useState(false);
  const [services, setServices] = useState<string[]>([...CORE_SERVICES]);
  const [routingPolicy, setRoutingPolicy] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, peerToPeer, services, routingPolicy: (routingPolicy || null) as 'full' | 'cell' | null },
      { onSuccess: () => setName('') },
    );
  };
  const fieldErrors = create.error?.data?.fieldErrors ?? undefined;
  return (
    <section className="card stack" aria-labelledby="groups-head">
      <h2 id="groups-head">Groups</h2>
      <p className="muted small">
        A group gives its members defaults: whether they may reach other peers, which of the cell&apos;s services they
        may use, and the routing policy of new members. A peer&apos;s own setting wins over its groups&apos;.
      </p>
      {remove.error && <Alert kind="error">{remove.error.message}</Alert>}
      {update.error && <Alert kind="error">{update.error.message}</Alert>}
      <div className="table-wrap">
        <DataTable
          label="Groups"
          rows={groups.data}
          rowKey={(g) => g.id}
          rowTestId={(g) => `group-${g.name}`}
          empty="No groups yet: every peer uses every service and keeps its own peer-to-peer setting."
          columns={[
            { header: 'Group', cell: (g) => <strong>{g.name}</strong> },
            { header: 'Peer-to-peer', cell: (g) => (g.peerToPeer ? 'on' : 'off') },
            {
              header: 'Services',
              cell: (g) => (
                <span className="choices">
                  {known.map((s) => (
                    <label key={s} className="choice">
                      <input
                        type="checkbox"
                        aria-label={`${g.name} may use ${s}`}
                        checked={(asked?.id === g.id ? asked.services : g.services).includes(s)}
                        disabled={asked !== null}
                        onChange={(e) => {
                          const next = {
                            id: g.id,
                            services: e.target.checked ? [...g.services, s] : g.services.filter((x) => x !== s),
                          };
                          setAsked(next);
                          update.mutate(next, { onSettled: () => setAsked(null) });
                        }}
                      />{' '}
                      {s}
                    </label>
                  ))}
                </span>
              ),
            },
            { header: 'Routing', cell: (g) => g.routingPolicy ?? 'peer chooses' },
            { header: 'Members', cell: (g) => g.members.map((m) => m.name).join(', ') || '—' },
            {
              header: '',
              cell: (g) => (
                <button className="btn btn-small" onClick={() => remove.mutate({ id: g.id })}>
                  Remove
                </button>
              ),
            },
          ]}
        />
      </div>
      <form className="stack" onSubmit={submit} aria-label="New group">
        <Field
          label="Group name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          errors={fieldErrors?.name}
        />
        <fieldset className="choices">
          <legend>Services members may use</legend>
          {known.map((s) => (
            <label key={s} className="choice">
              <input
                type="checkbox"
                checked={services.includes(s)}
                onChange={(e) => setServices(e.target.checked ? [...services, s] : services.filter((x) => x !== s))}
              />{' '}
              {labelOf(s)}
            </label>
          ))}
        </fieldset>
        <label className="choice">
          <input type="checkbox" checked={peerToPeer} onChange={(e) => setPeerToPeer(e.target.checked)} /> Members may
          reach each other and other peers that allow it
        </label>
        <label>
          Routing policy of new members{' '}
          <select value={routingPolicy} onChange={(e) => setRoutingPolicy(e.target.value)}>
            <option value="">the peer chooses</option>
            <option value="full">Full tunnel</option>
            <option value="cell">Cell only</option>
          </select>
        </label>
        {create.error && !fieldErrors && <Alert kind="error">{create.error.message}</Alert>}
        <div>
          <button className="btn btn-primary" type="submit" disabled={create.isPending}>
            Create group
          </button>
        </div>
      </form>
    </section>
  );
}
