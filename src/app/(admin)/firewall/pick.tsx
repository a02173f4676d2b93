'use client';

import { trpc } from '@/lib/client/trpc';
import { CORE_SERVICES, SERVICE_INFO } from '@/lib/schemas/firewall';

export type Source =
  | { kind: 'any' }
  | { kind: 'group'; groupId: number }
  | { kind: 'peer'; peerId: number }
  | { kind: 'cidr'; cidr: string };
export type Destination =
  | { kind: 'service'; service: string }
  | { kind: 'peer'; peerId: number }
  | { kind: 'cidr'; cidr: string }
  | { kind: 'internet' };

export function describeSource(s: Source, names: Names) {
  if (s.kind === 'any') return 'any peer';
  if (s.kind === 'group') return `group ${names.group(s.groupId)}`;
  if (s.kind === 'peer') return `peer ${names.peer(s.peerId)}`;
  return s.cidr;
}
export function describeDestination(d: Destination, names: Names) {
  if (d.kind === 'service') return `service ${d.service}`;
  if (d.kind === 'peer') return `peer ${names.peer(d.peerId)}`;
  if (d.kind === 'cidr') return d.cidr;
  return 'the internet';
}
export interface Names {
  peer(id: number): string;
  group(id: number): string;
}

export function useNames(): {
  names: Names;
  peers: { id: number; name: string }[];
  groups: { id: number; name: string }[];
} {
  const peers = trpc.peers.list.useQuery({ pageSize: 100 });
  const groups = trpc.groups.list.useQuery();
  const p = peers.data?.items ?? [];
  const g = groups.data ?? [];
  return {
    peers: p,
    groups: g,
    names: {
      peer: (id) => p.find((x) => x.id === id)?.name ?? `#${id}`,
      group: (id) => g.find((x) => x.id === id)?.name ?? `#${id}`,
    },
  };
}

/** A source or destination picked in two steps: its kind, then which one. */
export function Pick({
  label,
  kinds,
  value,
  onChange,
}: {
  label: string;
  kinds: [string, string][];
  value: { kind: string; ref: string };
  onChange: (v: { kind: string; ref: string }) => void;
}) {
  const { peers, groups } = useNames();
  const options: Record<string, [string, string][]> = {
    peer: peers.map((p) => [String(p.id), p.name]),
    group: groups.map((g) => [String(g.id), g.name]),
    service: CORE_SERVICES.map((s) => [s, SERVICE_INFO[s].label]),
  };
  return (
    <fieldset>
      <legend>{label}</legend>
      <select
        aria-label={`${label} kind`}
        value={value.kind}
        onChange={(e) => onChange({ kind: e.target.value, ref: '' })}
      >
        {kinds.map(([k, l]) => (
          <option key={k} value={k}>
            {l}
          </option>
        ))}
      </select>{' '}
      {options[value.kind] && (
        <select aria-label={label} value={value.ref} onChange={(e) => onChange({ ...value, ref: e.target.value })}>
          <option value="">choose…</option>
          {options[value.kind]!.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
      {(value.kind === 'cidr' || value.kind === 'address') && (
        <input
          aria-label={label}
          placeholder={value.kind === 'cidr' ? '192.168.1.0/24' : '172.20.0.2'}
          value={value.ref}
          onChange={(e) => onChange({ ...value, ref: e.target.value })}
        />
      )}
    </fieldset>
  );
}

export function toSource(v: { kind: string; ref: string }): Source {
  if (v.kind === 'group') return { kind: 'group', groupId: Number(v.ref) };
  if (v.kind === 'peer') return { kind: 'peer', peerId: Number(v.ref) };
  if (v.kind === 'cidr') return { kind: 'cidr', cidr: v.ref };
  return { kind: 'any' };
}
export function toDestination(v: { kind: string; ref: string }): Destination {
  if (v.kind === 'service') return { kind: 'service', service: v.ref };
  if (v.kind === 'peer') return { kind: 'peer', peerId: Number(v.ref) };
  if (v.kind === 'cidr') return { kind: 'cidr', cidr: v.ref };
  return { kind: 'internet' };
}
