'use client';

import { useState, type FormEvent } from 'react';
import { DataTable } from '@/components/data-table';
import { Alert, Field, FieldError, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';

/**
 * Addresses that deliver to accounts: `family@` to every member of Family who has an account
 * here, as the group changes. The service is told of each recipient on the next pass.
 */
export function AliasesCard({ instanceId }: { instanceId: string }) {
  const utils = trpc.useUtils();
  const aliases = trpc.store.aliases.list.useQuery({ instanceId });
  const accounts = trpc.store.accounts.list.useQuery({ instanceId });
  const groups = trpc.groups.list.useQuery();
  const invalidate = () => void utils.store.aliases.list.invalidate({ instanceId });
  const create = trpc.store.aliases.create.useMutation({ onSuccess: invalidate });
  const remove = trpc.store.aliases.remove.useMutation({ onSuccess: invalidate });
  const [name, setName] = useState('');
  const [peerIds, setPeerIds] = useState<number[]>([]);
  const [groupIds, setGroupIds] = useState<number[]>([]);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const toggle = (list: number[], id: number) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await create.mutateAsync({ instanceId, name, peerIds, groupIds });
      setName('');
      setPeerIds([]);
      setGroupIds([]);
      setErrors({});
    } catch (err) {
      setErrors(fieldErrorsOf(err));
    }
  }

  return (
    <section className="card stack" aria-labelledby="aliases-head">
      <h2 id="aliases-head">Aliases</h2>
      <p className="small muted">
        An alias delivers to the accounts of the peers and groups it names. A group&apos;s new member receives its mail
        too; a peer that loses its account stops receiving it.
      </p>
      {(aliases.error ?? remove.error) && <Alert kind="error">{(aliases.error ?? remove.error)!.message}</Alert>}
      <div className="table-wrap">
        <DataTable
          label="Aliases"
          rows={aliases.data}
          rowKey={(a) => String(a.id)}
          rowTestId={(a) => `alias-${a.name}`}
          empty="No aliases yet."
          columns={[
            { header: 'Address', cell: (a) => <code>{a.address}</code> },
            {
              header: 'Delivers to',
              cell: (a) => (a.recipients.length ? a.recipients.join(', ') : <span className="muted">nobody yet</span>),
            },
            {
              header: 'State',
              cell: (a) =>
                a.applied ? (
                  <span className="badge badge-ok">in place</span>
                ) : (
                  <span className="badge">being applied</span>
                ),
            },
            {
              header: 'Actions',
              cell: (a) => (
                <button
                  type="button"
                  className="btn btn-link"
                  aria-label={`Remove ${a.address}`}
                  onClick={() => remove.mutate({ id: a.id })}
                >
                  Remove
                </button>
              ),
            },
          ]}
        />
      </div>
      <form className="stack" noValidate onSubmit={submit} aria-label="New alias">
        {create.error && !Object.keys(errors).length && <Alert kind="error">{create.error.message}</Alert>}
        <Field
          label="Alias"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          errors={errors.name}
          hint="The part before the @, such as family or postmaster."
        />
        <fieldset className="choices">
          <legend>Delivers to</legend>
          {groups.data?.map((g) => (
            <label key={`g${g.id}`} className="choice">
              <input
                type="checkbox"
                checked={groupIds.includes(g.id)}
                onChange={() => setGroupIds(toggle(groupIds, g.id))}
              />{' '}
              Group {g.name}
            </label>
          ))}
          {accounts.data?.map((a) => (
            <label key={`p${a.peerId}`} className="choice">
              <input
                type="checkbox"
                checked={peerIds.includes(a.peerId)}
                onChange={() => setPeerIds(toggle(peerIds, a.peerId))}
              />{' '}
              {a.username}
            </label>
          ))}
          <FieldError errors={errors.peerIds ?? errors.groupIds} />
        </fieldset>
        <SubmitButton pending={create.isPending}>Add alias</SubmitButton>
      </form>
    </section>
  );
}
