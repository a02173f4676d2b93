'use client';

import { useState } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { EditDialog, RemoveDialog, useRowEditing } from '@/components/row-editing';
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
        <table className="table" aria-label="Custom records">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Value</th>
              <th>TTL</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.custom.map((r) => (
              <tr key={r.id} data-testid={`record-${fqdn(r.name, r.zone)}-${r.type}`}>
                <td>
                  <code>{fqdn(r.name, r.zone)}</code>
                </td>
                <td>{r.type}</td>
                <td>
                  <code>{r.value}</code>
                </td>
                <td>{r.ttl}</td>
                <td className="actions">
                  <button className="btn" onClick={() => setEditing(r)}>
                    Edit
                  </button>
                  <button className="btn btn-danger" onClick={() => setRemoving(r)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {data?.custom.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  {search ? `No custom record matches “${search}”.` : 'No custom records yet.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="card table-wrap">
        <h2>Automatic names</h2>
        <p className="muted small">
          Kept in sync with peers, the cell, its services and DHCP reservations; they cannot be edited here.
        </p>
        <table className="table" aria-label="Automatic names">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Value</th>
              <th>Owner</th>
            </tr>
          </thead>
          <tbody>
            {data?.automatic.map((r) => (
              <tr key={`${r.zone}/${r.name}/${r.type}`}>
                <td>
                  <code>{fqdn(r.name, r.zone)}</code>
                </td>
                <td>{r.type}</td>
                <td>
                  <code>{r.value}</code>
                </td>
                <td>{r.owner}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
