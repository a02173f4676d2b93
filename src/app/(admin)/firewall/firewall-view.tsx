'use client';

import { useEffect, useState, type FormEvent } from 'react';
import { DataTable } from '@/components/data-table';
import { Alert, Field, PageHead } from '@/components/ui';
import { trpc } from '@/lib/client/trpc';
import { CORE_SERVICES, SERVICE_INFO } from '@/lib/schemas/firewall';

type Source =
  | { kind: 'any' }
  | { kind: 'group'; groupId: number }
  | { kind: 'peer'; peerId: number }
  | { kind: 'cidr'; cidr: string };
type Destination =
  | { kind: 'service'; service: string }
  | { kind: 'peer'; peerId: number }
  | { kind: 'cidr'; cidr: string }
  | { kind: 'internet' };

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Counts down to the moment an unconfirmed change is rolled back, and keeps it on request. */
function ConfirmBanner() {
  const utils = trpc.useUtils();
  const status = trpc.firewall.status.useQuery(undefined, { refetchInterval: 5_000 });
  const confirm = trpc.firewall.confirm.useMutation({ onSuccess: () => utils.firewall.status.invalidate() });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  const s = status.data;
  if (!s) return null;
  const left = s.confirmBy ? Math.max(0, Math.round((new Date(s.confirmBy).getTime() - now) / 1000)) : null;
  return (
    <>
      {left !== null && (
        <Alert kind="warn">
          <span data-testid="confirm-countdown">
            The new rules are in place. Keep them within {left} s, or the previous rules come back (in case this change
            cut you off).
          </span>{' '}
          <button className="btn btn-primary" onClick={() => confirm.mutate()} disabled={confirm.isPending}>
            Keep these rules
          </button>
        </Alert>
      )}
      {s.rolledBackAt && left === null && (
        <Alert kind="warn">
          A change was not confirmed in time: the previous rules were put back at{' '}
          {new Date(s.rolledBackAt).toLocaleString()}.
        </Alert>
      )}
      {s.apply?.state === 'pending' && <Alert kind="warn">The rules are not in the kernel yet: {s.apply.reason}</Alert>}
      {s.repairedAt && (
        <p className="muted small" style={{ margin: 0 }}>
          Last repair: {new Date(s.repairedAt).toLocaleString()} ({s.repairReason}).
        </p>
      )}
    </>
  );
}

function Groups() {
  const utils = trpc.useUtils();
  const groups = trpc.groups.list.useQuery();
  const done = () => {
    void utils.groups.list.invalidate();
    void utils.firewall.invalidate();
  };
  const create = trpc.groups.create.useMutation({ onSuccess: done });
  const update = trpc.groups.update.useMutation({ onSuccess: done });
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
                  {CORE_SERVICES.map((s) => (
                    <label key={s} className="choice">
                      <input
                        type="checkbox"
                        aria-label={`${g.name} may use ${s}`}
                        checked={g.services.includes(s)}
                        onChange={(e) =>
                          update.mutate({
                            id: g.id,
                            services: e.target.checked ? [...g.services, s] : g.services.filter((x) => x !== s),
                          })
                        }
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
          {CORE_SERVICES.map((s) => (
            <label key={s} className="choice">
              <input
                type="checkbox"
                checked={services.includes(s)}
                onChange={(e) => setServices(e.target.checked ? [...services, s] : services.filter((x) => x !== s))}
              />{' '}
              {SERVICE_INFO[s].label}
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

function describeSource(s: Source, names: Names) {
  if (s.kind === 'any') return 'any peer';
  if (s.kind === 'group') return `group ${names.group(s.groupId)}`;
  if (s.kind === 'peer') return `peer ${names.peer(s.peerId)}`;
  return s.cidr;
}
function describeDestination(d: Destination, names: Names) {
  if (d.kind === 'service') return `service ${d.service}`;
  if (d.kind === 'peer') return `peer ${names.peer(d.peerId)}`;
  if (d.kind === 'cidr') return d.cidr;
  return 'the internet';
}
interface Names {
  peer(id: number): string;
  group(id: number): string;
}

function useNames(): { names: Names; peers: { id: number; name: string }[]; groups: { id: number; name: string }[] } {
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
function Pick({
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

function toSource(v: { kind: string; ref: string }): Source {
  if (v.kind === 'group') return { kind: 'group', groupId: Number(v.ref) };
  if (v.kind === 'peer') return { kind: 'peer', peerId: Number(v.ref) };
  if (v.kind === 'cidr') return { kind: 'cidr', cidr: v.ref };
  return { kind: 'any' };
}
function toDestination(v: { kind: string; ref: string }): Destination {
  if (v.kind === 'service') return { kind: 'service', service: v.ref };
  if (v.kind === 'peer') return { kind: 'peer', peerId: Number(v.ref) };
  if (v.kind === 'cidr') return { kind: 'cidr', cidr: v.ref };
  return { kind: 'internet' };
}

function Rules() {
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

function Tester() {
  const [source, setSource] = useState({ kind: 'peer', ref: '' });
  const [destination, setDestination] = useState({ kind: 'service', ref: 'web' });
  const [port, setPort] = useState('');
  const [protocol, setProtocol] = useState<'tcp' | 'udp' | 'icmp'>('tcp');
  const [asked, setAsked] = useState<Parameters<typeof trpc.firewall.test.useQuery>[0] | null>(null);
  const answer = trpc.firewall.test.useQuery(asked!, { enabled: asked !== null, retry: false });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const src =
      source.kind === 'peer'
        ? { peerId: Number(source.ref) }
        : source.kind === 'group'
          ? { groupId: Number(source.ref) }
          : { cidr: source.ref };
    const dst =
      destination.kind === 'service'
        ? { service: destination.ref }
        : destination.kind === 'peer'
          ? { peerId: Number(destination.ref) }
          : { address: destination.ref, port: port ? Number(port) : undefined, protocol };
    setAsked({ source: src, destination: dst });
  };
  return (
    <section className="card stack" aria-labelledby="tester-head">
      <h2 id="tester-head">Can X reach Y?</h2>
      <form className="stack" onSubmit={submit} aria-label="Reach tester">
        <Pick
          label="Source"
          kinds={[
            ['peer', 'a peer'],
            ['group', 'a group'],
            ['cidr', 'addresses'],
          ]}
          value={source}
          onChange={setSource}
        />
        <Pick
          label="Destination"
          kinds={[
            ['service', 'a service'],
            ['peer', 'a peer (ping)'],
            ['address', 'an address'],
          ]}
          value={destination}
          onChange={setDestination}
        />
        {destination.kind === 'address' && (
          <>
            <label>
              Protocol{' '}
              <select value={protocol} onChange={(e) => setProtocol(e.target.value as typeof protocol)}>
                <option>tcp</option>
                <option>udp</option>
                <option>icmp</option>
              </select>
            </label>
            <Field label="Port" name="port" value={port} onChange={(e) => setPort(e.target.value)} />
          </>
        )}
        <div>
          <button className="btn" type="submit">
            Test
          </button>
        </div>
      </form>
      {answer.error && <Alert kind="error">{errorText(answer.error)}</Alert>}
      {answer.data && (
        <Alert kind={answer.data.allowed ? 'ok' : 'warn'}>
          <span data-testid="tester-answer">
            <strong>{answer.data.allowed ? 'Allow' : 'Deny'}</strong>: {answer.data.source} →{' '}
            {answer.data.destination.address}
            {answer.data.destination.port ? `:${answer.data.destination.port}` : ''}/{answer.data.destination.proto},
            decided by the {answer.data.rule.owner} rule “{answer.data.rule.why}” ({answer.data.rule.chain} #
            {answer.data.rule.position}).
          </span>
        </Alert>
      )}
    </section>
  );
}

function Effective() {
  const effective = trpc.firewall.effective.useQuery(undefined, { refetchInterval: 5_000 });
  const [chain, setChain] = useState('');
  const rows = effective.data?.rules ?? [];
  const chains = [...new Set(rows.map((r) => `${r.table}/${r.chain}`))];
  const shown = chain ? rows.filter((r) => `${r.table}/${r.chain}` === chain) : rows.filter((r) => r.family === 4);
  return (
    <section className="card stack" aria-labelledby="effective-head">
      <h2 id="effective-head">Effective rules</h2>
      <p className="muted small">
        What the kernel holds for the cell, with the packets and bytes each rule matched (refreshed every 5 s).
        {effective.data?.countersError && ` Counters unavailable: ${effective.data.countersError}.`}
      </p>
      <label>
        Chain{' '}
        <select value={chain} onChange={(e) => setChain(e.target.value)}>
          <option value="">all IPv4 chains</option>
          {chains.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <div className="table-wrap">
        <DataTable
          label="Effective rules"
          rows={shown}
          rowKey={(r) => `${r.family}/${r.table}/${r.chain}/${r.position}`}
          rowTestId={(r) => `effective-${r.chain}-${r.position}`}
          empty="No rules yet."
          columns={[
            { header: 'Chain', cell: (r) => <code>{r.chain}</code> },
            { header: '#', cell: (r) => r.position },
            { header: 'Owner', cell: (r) => <span className="badge">{r.owner}</span> },
            { header: 'What', cell: (r) => r.why },
            { header: 'Rule', className: 'small', cell: (r) => <code>{r.spec}</code> },
            { header: 'Packets', cell: (r) => <span data-testid="packets">{r.packets ?? '—'}</span> },
            { header: 'Bytes', cell: (r) => r.bytes ?? '—' },
          ]}
        />
      </div>
    </section>
  );
}

export function FirewallView() {
  return (
    <>
      <PageHead
        title="Firewall"
        subtitle="Who in the tunnel may reach what: groups, your rules, and what the kernel holds."
      />
      <div className="stack">
        <ConfirmBanner />
        <Groups />
        <Rules />
        <Tester />
        <Effective />
      </div>
    </>
  );
}
