'use client';

import { useState, type FormEvent } from 'react';
import { DataTable } from '@/components/data-table';
import { Alert, Field } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { describeDestination, describeSource, Pick, toDestination, toSource, useNames } from './pick';

export function Rules() {
  const utils = trpc.useUtils();
  const rules = trpc.firewall.rules.list.useQuery();
  const { names } = useNames();
  const done = () => void utils.firewall.invalidate();
  const create = trpc.firewall.rules.create.useMutation({ onSuccess: done });
  const move = trpc.firewall.rules.move.useMutation({ onSuccess: done });
  const remove = trpc.firewall.rules.remove.useMutation({ onSuccess: done });
  const [source, setSource] = useState({ kind: 'any', ref: '' });
  const [destination, setDestination] = useState({ kind: 'internet', ref: '' });
  const [protocol, setProtocol] = useState<'any' | 'tcp' | 'udp' | 'icmp'>('any');
  const [ports, setPorts] = useState('');
  const [action, setAction] = useState<'allow' | 'deny'>('deny');
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ source: toSource(source), destination: toDestination(destination), protocol, ports, action, note });
  };
  const error = create.error ?? move.error ?? remove.error;
  const count = rules.data?.length ?? 0;
  return (
    <section className="card stack" aria-labelledby="rules-head">
      <h2 id="rules-head">Your rules</h2>
      <p className="muted small">
        Checked in order, before what groups and peers allow: the first rule that matches decides.
      </p>
      {error && <Alert kind="error">{error.message}</Alert>}
      <div className="table-wrap">
        <DataTable
          label="Rules"
          rows={rules.data}
          rowKey={(r) => r.id}
          rowTestId={(r) => `rule-${r.position}`}
          empty="No rules of your own."
          columns={[
            { header: '#', cell: (r) => r.position },
            {
              header: 'Action',
              cell: (r) => <span className={r.action === 'deny' ? 'badge badge-warn' : 'badge'}>{r.action}</span>,
            },
            { header: 'From', cell: (r) => describeSource(r.source, names) },
            { header: 'To', cell: (r) => describeDestination(r.destination, names) },
            { header: 'Protocol', cell: (r) => `${r.protocol}${r.ports ? ` ${r.ports}` : ''}` },
            { header: 'Note', cell: (r) => r.note },
            {
              header: '',
              cell: (r) => (
                <span className="row-actions">
                  <button
                    className="btn btn-small"
                    aria-label={`Move rule ${r.position} up`}
                    disabled={r.position === 1}
                    onClick={() => move.mutate({ id: r.id, position: r.position - 1 })}
                  >
                    ↑
                  </button>
                  <button
                    className="btn btn-small"
                    aria-label={`Move rule ${r.position} down`}
                    disabled={r.position === count}
                    onClick={() => move.mutate({ id: r.id, position: r.position + 1 })}
                  >
                    ↓
                  </button>
                  <button className="btn btn-small" onClick={() => remove.mutate({ id: r.id })}>
                    Remove
                  </button>
                </span>
              ),
            },
          ]}
        />
      </div>
      <form className="stack" onSubmit={submit} aria-label="New rule">
        <Pick
          label="From"
          kinds={[
            ['any', 'any peer'],
            ['group', 'a group'],
            ['peer', 'a peer'],
            ['cidr', 'addresses'],
          ]}
          value={source}
          onChange={setSource}
        />
        <Pick
          label="To"
          kinds={[
            ['internet', 'the internet'],
            ['service', 'a service'],
            ['peer', 'a peer'],
            ['cidr', 'addresses'],
          ]}
          value={destination}
          onChange={setDestination}
        />
        <label>
          Protocol{' '}
          <select value={protocol} onChange={(e) => setProtocol(e.target.value as typeof protocol)}>
            {['any', 'tcp', 'udp', 'icmp'].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <Field
          label="Ports"
          name="ports"
          value={ports}
          placeholder="443 or 80,443 or 8000-8100"
          onChange={(e) => setPorts(e.target.value)}
          errors={create.error?.data?.fieldErrors?.ports}
        />
        <label>
          Action{' '}
          <select value={action} onChange={(e) => setAction(e.target.value as typeof action)}>
            <option value="deny">deny</option>
            <option value="allow">allow</option>
          </select>
        </label>
        <Field label="Note" name="note" value={note} onChange={(e) => setNote(e.target.value)} />
        <div>
          <button className="btn btn-primary" type="submit" disabled={create.isPending}>
            Add rule
          </button>
        </div>
      </form>
    </section>
  );
}
