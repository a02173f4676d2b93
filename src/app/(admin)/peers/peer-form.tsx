'use client';

import { useState, type FormEvent } from 'react';
import type { ApplyState } from '@/components/apply-notice';
import { Choices } from '@/components/choices';
import { Alert, Field, FieldErrors, SubmitButton } from '@/components/ui';
import { fieldErrorsOf, trpc } from '@/lib/client/trpc';
import { toLocalInput } from '@/lib/format';
import { localFieldErrors, listFieldErrors } from '@/lib/field-errors';
import {
  createPeerSchema,
  ROUTING_POLICIES,
  ROUTING_POLICY_INFO,
  updatePeerSchema,
  type CreatePeerInput,
  type RoutingPolicy,
} from '@/lib/schemas/peers';
import type { PeerRow } from './peer-row';

interface Draft {
  name: string;
  routingPolicy: RoutingPolicy;
  allowedIps: string;
  address: string;
  /** Null: its groups decide. */
  peerToPeer: boolean | null;
  groups: number[];
  presharedKey: boolean;
  expiresAt: string;
  publicKey: string;
  enabled: boolean;
}

function draftOf(peer?: PeerRow): Draft {
  return {
    name: peer?.name ?? '',
    routingPolicy: peer?.routingPolicy ?? 'full',
    allowedIps: peer?.allowedIps.join('\n') ?? '',
    address: peer?.address ?? '',
    peerToPeer: peer ? peer.peerToPeer : null,
    groups: [],
    presharedKey: peer?.presharedKey ?? true,
    expiresAt: toLocalInput(peer?.expiresAt),
    publicKey: '',
    enabled: peer?.enabled ?? true,
  };
}

/** Creates a peer, or edits one when `peer` is given; the same fields and server checks either way. */
export function PeerForm({
  peer,
  onDone,
}: {
  peer?: PeerRow;
  onDone: (apply: ApplyState, saved: { id: number; name: string; ownKey: boolean }) => void;
}) {
  const utils = trpc.useUtils();
  const create = trpc.peers.create.useMutation();
  const server = trpc.wireguard.get.useQuery();
  const update = trpc.peers.update.useMutation();
  const groups = trpc.groups.list.useQuery();
  const memberOf = (id: number) => groups.data?.find((g) => g.id === id)?.members.some((m) => m.id === peer?.id);
  const [groupsTouched, setGroupsTouched] = useState(false);
  const [d, setD] = useState<Draft>(() => draftOf(peer));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const pending = create.isPending || update.isPending;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const common = {
      name: d.name,
      routingPolicy: d.routingPolicy,
      allowedIps: d.routingPolicy === 'custom' ? d.allowedIps.split(/[\s,]+/).filter(Boolean) : undefined,
      address: d.address || undefined,
      peerToPeer: d.peerToPeer,
      ...(!peer || groupsTouched ? { groups: d.groups } : {}),
      presharedKey: d.presharedKey,
      enabled: d.enabled,
    };
    const input = peer
      ? { ...common, id: peer.id, expiresAt: d.expiresAt ? new Date(d.expiresAt) : null }
      : { ...common, expiresAt: d.expiresAt ? new Date(d.expiresAt) : undefined, publicKey: d.publicKey || undefined };
    // The router's own rules first: a typo never leaves the browser, and old messages go.
    const local = localFieldErrors(peer ? updatePeerSchema : createPeerSchema, input);
    setErrors(local ?? {});
    setFailure(null);
    if (local) return;
    try {
      const result =
        'id' in input ? await update.mutateAsync(input) : await create.mutateAsync(input as CreatePeerInput);
      await utils.peers.invalidate();
      onDone(result.apply, result);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setFailure(Object.keys(fields).length ? null : (err as Error).message);
    }
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {server.data?.endpointWarning && <Alert kind="warn">{server.data.endpointWarning}</Alert>}
      {failure && <p className="alert alert-error">{failure}</p>}
      <Field
        label="Name"
        name="name"
        value={d.name}
        onChange={(e) => set({ name: e.target.value })}
        errors={errors.name}
        hint="Letters, digits, _ - . — also its DNS name"
      />
      <Choices
        legend="Routing"
        name="routingPolicy"
        value={d.routingPolicy}
        options={ROUTING_POLICIES.map((p) => ({ value: p, ...ROUTING_POLICY_INFO[p] }))}
        onChange={(routingPolicy) => set({ routingPolicy })}
        errors={errors.routingPolicy}
      />
      {d.routingPolicy === 'custom' && (
        <div className="field">
          <label htmlFor="f-allowedIps">Networks through the cell (one per line)</label>
          <textarea
            id="f-allowedIps"
            rows={3}
            value={d.allowedIps}
            onChange={(e) => set({ allowedIps: e.target.value })}
          />
          <span className="hint">
            The cell&apos;s DNS address is always routed too, so names keep resolving through the tunnel.
          </span>
          <FieldErrors errors={listFieldErrors(errors, 'allowedIps')} />
        </div>
      )}
      <Field
        label="Fixed address (optional)"
        name="address"
        value={d.address}
        placeholder="lowest free"
        onChange={(e) => set({ address: e.target.value })}
        errors={errors.address}
      />
      <Field
        label="Expires (optional)"
        name="expiresAt"
        type="datetime-local"
        value={d.expiresAt}
        onChange={(e) => set({ expiresAt: e.target.value })}
        errors={errors.expiresAt}
      />
      {!peer && (
        <Field
          label="Own public key (optional)"
          name="publicKey"
          value={d.publicKey}
          placeholder="the cell makes a key pair"
          onChange={(e) => set({ publicKey: e.target.value })}
          errors={errors.publicKey}
          hint="Bring your own key and the cell never sees the private key."
        />
      )}
      {groups.data && groups.data.length > 0 && (
        <fieldset className="choices">
          <legend>Groups</legend>
          {groups.data.map((g) => {
            const checked = groupsTouched || !peer ? d.groups.includes(g.id) : Boolean(memberOf(g.id));
            return (
              <label key={g.id} className="choice">
                <input
                  type="checkbox"
                  checked={checked}
                  onChange={(e) => {
                    const current =
                      groupsTouched || !peer ? d.groups : groups.data!.filter((x) => memberOf(x.id)).map((x) => x.id);
                    setGroupsTouched(true);
                    set({
                      groups: e.target.checked ? [...current, g.id] : current.filter((x) => x !== g.id),
                      // A new peer takes the routing policy of the group it joins, when the group sets one.
                      ...(!peer && e.target.checked && g.routingPolicy ? { routingPolicy: g.routingPolicy } : {}),
                    });
                  }}
                />{' '}
                {g.name}
              </label>
            );
          })}
        </fieldset>
      )}
      <label className="choice">
        <input
          type="checkbox"
          checked={d.peerToPeer ?? false}
          onChange={(e) => set({ peerToPeer: e.target.checked })}
        />{' '}
        May reach other peers{d.peerToPeer === null ? ' (as its groups say)' : ''}
      </label>
      {(
        [
          ['presharedKey', 'Preshared key (extra protection)'],
          ['enabled', 'Enabled'],
        ] as const
      ).map(([k, label]) => (
        <label key={k} className="choice">
          <input type="checkbox" checked={d[k]} onChange={(e) => set({ [k]: e.target.checked })} /> {label}
        </label>
      ))}
      <SubmitButton pending={pending}>{peer ? 'Save peer' : 'Create peer'}</SubmitButton>
    </form>
  );
}
