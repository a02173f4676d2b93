'use client';

import { useState } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { DataTable } from '@/components/data-table';
import { actionsColumn, EditDialog, RemoveDialog, useRowEditing } from '@/components/row-editing';
import { Alert } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { RecordForm, type RecordDraft } from './record-form';

const fqdn = (name: string, zone: string) => (name === '@' ? zone : `${name}.${zone}`);

/** Automatic names (read only) and custom records with search, add, edit and delete. */
export function DnsRecords({ onApplied }: { onApplied: (apply: ApplyState) => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState('');
  const [search, setSearch] = useState('');
  const { editing, setEditing, removing, setRemoving } = useRowEditing<RecordDraft>();
  const records = trpc.dns.records.useQuery({ search: search || undefined });
  const remove = trpc.dns.removeRecord.useMutation();
  const data = records.data;
  const done = (apply: ApplyState) => {
    setEditing(null);
    onApplied(apply);
  };

  return (
    <section className="stack" aria-label="DNS records">
      <div className="card row">
        <form
          className="row"
          style={{ flex: 1 }}
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(draft.trim());
          }}
        >
          <input
            aria-label="Search names"
            placeholder="Name or value"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            style={{ maxWidth: 260 }}
          />
          <button className="btn">Search</button>
        </form>
        <button className="btn btn-primary" onClick={() => setEditing('new')} disabled={!data}>
          Add record
        </button>
      </div>
      {records.error && <Alert kind="error">{records.error.message}</Alert>}
      <div className="card table-wrap">
        <h2>Custom records</h2>
        <DataTable
          label="Custom records"
          rows={data?.custom}
          rowKey={(r) => r.id}
          rowTestId={(r) => `record-${fqdn(r.name, r.zone)}-${r.type}`}
          empty={search ? `No custom record matches “${search}”.` : 'No custom records yet.'}
          columns={[
            { header: 'Name', cell: (r) => <code>{fqdn(r.name, r.zone)}</code> },
            { header: 'Type', cell: (r) => r.type },
            { header: 'Value', cell: (r) => <code>{r.value}</code> },
            { header: 'TTL', cell: (r) => r.ttl },
            actionsColumn<RecordDraft>({ setEditing, setRemoving }, (r) => `${fqdn(r.name, r.zone)} ${r.type}`),
          ]}
        />
      </div>
      <div className="card table-wrap">
        <h2>Automatic names</h2>
        <p className="muted small">
          Kept in sync with peers, the cell, its services and DHCP reservations; they cannot be edited here.
        </p>
        <DataTable
          label="Automatic names"
          rows={data?.automatic}
          rowKey={(r) => `${r.zone}/${r.name}/${r.type}`}
          columns={[
            { header: 'Name', cell: (r) => <code>{fqdn(r.name, r.zone)}</code> },
            { header: 'Type', cell: (r) => r.type },
            { header: 'Value', cell: (r) => <code>{r.value}</code> },
            { header: 'Owner', cell: (r) => r.owner },
          ]}
        />
      </div>
      {data && (
        <EditDialog
          editing={editing}
          title={(r) => (r === 'new' ? 'Add record' : `Edit ${fqdn(r.name, r.zone)}`)}
          onClose={() => setEditing(null)}
        >
          {(initial) => <RecordForm zones={data.zones} initial={initial} onDone={done} />}
        </EditDialog>
      )}
      <RemoveDialog
        removing={removing}
        title="Delete record"
        mutation={remove}
        onClose={() => setRemoving(null)}
        onRemoved={(r) => {
          onApplied(r.apply);
          void utils.dns.invalidate();
        }}
      >
        {(r) => (
          <>
            Delete <code>{fqdn(r.name, r.zone)}</code> {r.type} <code>{r.value}</code>? It stops resolving as soon as
            the DNS container reloads.
          </>
        )}
      </RemoveDialog>
    </section>
  );
}
