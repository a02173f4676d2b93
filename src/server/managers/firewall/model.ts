/**
 * The firewall's model: what groups, peers, services and the admin's rules mean as netfilter
 * chains, built once and used twice: the renderer writes it out for `iptables-restore`, and
 * the tester walks a packet through it. Pure: inputs in, chains out.
 */
import { appliesTo, customLines, familyOf, host } from './custom-lines';
import {
  CHAIN,
  classChain,
  type CustomRule,
  type Family,
  type FirewallGroup,
  type FirewallInputs,
  type FirewallPeer,
} from './inputs';
import { forwardRule, NO_PEER, p2pRule, peerCidr, settingsOf, type BuiltFamily, type Place } from './peer-lines';
import type { Chain, ChainEdit, FamilyRules, Hook, NfRule, Owner, Protocol, Table } from './render';

export type { Chain, ChainEdit, FamilyRules, Hook, NfRule, Owner, Protocol, Table };
export * from './inputs';
export { portsContain } from './custom-lines';
export { patchPeers, type BuiltFamily, type Place } from './peer-lines';

/** Where "the internet" ends: blocks no public address is in. */
const LOCAL = {
  4: [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '224.0.0.0/3',
  ],
  6: ['::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8'],
} as const;

/** What a peer may do once its own settings and its groups' are combined. */
export interface Policy {
  peerToPeer: boolean;
  services: string[];
  /** Where each came from. */
  from: { peerToPeer: Owner; services: Owner };
}

export function policyOf(
  peer: Pick<FirewallPeer, 'groups' | 'peerToPeer' | 'services'>,
  groups: Map<number, FirewallGroup>,
  allServices: string[],
): Policy {
  const mine = peer.groups.flatMap((id) => groups.get(id) ?? []);
  const peerToPeer = peer.peerToPeer ?? mine.some((g) => g.peerToPeer);
  const services = peer.services ?? (mine.length ? [...new Set(mine.flatMap((g) => g.services))] : allServices);
  return {
    peerToPeer,
    services: services.filter((s) => allServices.includes(s)).sort(),
    from: {
      peerToPeer: peer.peerToPeer !== null ? 'peer' : mine.length ? 'group' : 'core',
      services: peer.services !== null ? 'peer' : mine.length ? 'group' : 'core',
    },
  };
}

/** The peers a custom rule names (as its source or its destination). */
const rulePeers = (r: CustomRule): number[] => [
  ...(r.source.kind === 'peer' ? [r.source.peerId] : []),
  ...(r.destination.kind === 'peer' ? [r.destination.peerId] : []),
];

/**
 * The chains and hooks of one address family. With the placement of the build before, each
 * class keeps the name it had there and a new class takes a name no class had, so a build
 * after peers' edits (see `patchPeers`) names every class as the kernel does.
 */
export function buildFamily(m: FirewallInputs, family: Family, before?: BuiltFamily['placement']): BuiltFamily | null {
  const tunnel = family === 4 ? m.tunnel.subnet : m.tunnel.subnet6;
  if (!tunnel) return null;
  const groups = new Map(m.groups.map((g) => [g.id, g]));
  const allServices = m.services.map((s) => s.name);
  const services = new Map(m.services.map((s) => [s.name, s]));
  const peersById = new Map(m.peers.map((p) => [p.id, p]));
  const ctx = { peersById, services };

  // Peers with the same groups, policy and rules share one chain: the rule set grows by one
  // line per peer, not by its rules.
  const classes = new Map<string, { chain: string; rules: NfRule[] }>();
  const taken = new Set(before?.classes.values());
  let fresh = 0;
  const nameFor = (key: string) => {
    const was = before?.classes.get(key);
    if (was) return was;
    while (taken.has(classChain(fresh))) fresh++;
    taken.add(classChain(fresh));
    return classChain(fresh);
  };
  const classFor = (peer: FirewallPeer | null, policy: Policy): string => {
    const own = m.rules.filter((r) => r.source.kind === 'peer' && peer && r.source.peerId === peer.id);
    const key = JSON.stringify([peer ? [...peer.groups].sort() : [], policy, own.map((r) => r.id)]);
    const found = classes.get(key);
    if (found) return found.chain;
    const chain = nameFor(key);
    const rules: NfRule[] = [];
    m.rules.forEach((r, i) => {
      if (appliesTo(r, peer)) rules.push(...customLines(r, i, family, ctx));
    });
    const servicesOwner = policy.from.services;
    for (const name of policy.services) {
      const svc = services.get(name)!;
      if (familyOf(svc.address) !== family) continue;
      for (const p of svc.ports)
        rules.push({
          dst: host(svc.address),
          proto: p.proto,
          dports: String(p.port),
          target: 'ACCEPT',
          owner: servicesOwner,
          why: `may use ${name}`,
          ref: `service:${name}`,
        });
    }
    if (policy.peerToPeer)
      rules.push({ dst: tunnel, target: CHAIN.p2p, owner: policy.from.peerToPeer, why: 'peer-to-peer is on' });
    rules.push({ target: CHAIN.defaults, owner: 'core', why: 'everything else' });
    classes.set(key, { chain, rules });
    return chain;
  };
  // Most peers share their settings with many others: each set of settings is worked out once.
  const placement = {
    places: new Map<string, Place>(),
    own: new Set(m.rules.flatMap((r) => (r.source.kind === 'peer' ? [r.source.peerId] : []))),
    named: new Set(m.rules.flatMap(rulePeers)),
    classes: new Map<string, string>(),
  };
  const placeOf = (peer: FirewallPeer | null) => {
    const settings = settingsOf(peer ?? NO_PEER, placement.own);
    let place = placement.places.get(settings);
    if (!place) {
      const policy = policyOf(peer ?? NO_PEER, groups, allServices);
      place = { chain: classFor(peer, policy), peerToPeer: policy.peerToPeer };
      placement.places.set(settings, place);
    }
    return place;
  };

  const fallback = placeOf(null).chain;
  const addressed = m.peers.flatMap((peer) => {
    const cidr = peerCidr(peer, family);
    return cidr ? [{ peer, cidr, place: placeOf(peer) }] : [];
  });
  const forward: NfRule[] = [
    { established: true, target: 'ACCEPT', owner: 'core', why: 'replies in connections already allowed' },
    ...addressed.map(({ peer, cidr, place }) => forwardRule(peer, cidr, place)),
    { target: fallback, owner: 'core', why: 'addresses of no peer (yet)' },
  ];
  const p2p: NfRule[] = [
    ...addressed.filter(({ place }) => place.peerToPeer).map(({ peer, cidr }) => p2pRule(peer, cidr)),
    { target: 'DROP', owner: 'core', why: 'the other peer does not allow peer-to-peer' },
  ];
  const defaults: NfRule[] = [
    { dst: tunnel, target: 'DROP', owner: 'core', why: 'peer-to-peer is off' },
    ...(family === 4
      ? [
          {
            dst: m.cellNetwork,
            target: 'DROP',
            owner: 'core' as const,
            why: 'the cell network beyond the services allowed',
          },
        ]
      : []),
    { target: 'ACCEPT', owner: 'core', why: 'the internet and other networks (the routing policy decides)' },
  ];
  const local = [...LOCAL[family], tunnel, ...(family === 4 ? [m.cellNetwork] : [])];
  const inet = (verdict: 'ACCEPT' | 'DROP'): NfRule[] => [
    ...local.map((dst) => ({ dst, target: 'RETURN', owner: 'core' as const, why: 'not the internet' })),
    { target: verdict, owner: 'core', why: verdict === 'ACCEPT' ? 'allowed to the internet' : 'denied the internet' },
  ];

  const filter: Chain[] = [
    { name: CHAIN.forward, rules: forward },
    ...[...classes.values()].map((c) => ({ name: c.chain, rules: c.rules })),
    { name: CHAIN.p2p, rules: p2p },
    { name: CHAIN.defaults, rules: defaults },
    { name: CHAIN.inetAllow, rules: inet('ACCEPT'), helper: true },
    { name: CHAIN.inetDeny, rules: inet('DROP'), helper: true },
  ];
  const nat: Chain[] = [];
  const hooks: Hook[] = [
    { table: 'filter', chain: 'FORWARD', rule: { in: m.iface, target: CHAIN.forward, owner: 'core', why: 'tunnel' } },
    { table: 'mangle', chain: 'PREROUTING', rule: { in: m.iface, target: CHAIN.mangle, owner: 'core', why: 'tunnel' } },
  ];
  if (family === 4) {
    const pre: NfRule[] = [];
    const listen = host(m.tunnel.address);
    const { dns, web } = m.redirects;
    if (dns)
      for (const proto of ['udp', 'tcp'] as const)
        pre.push({
          dst: listen,
          proto,
          dports: '53',
          target: 'DNAT',
          toDestination: `${dns.target}:${dns.port}`,
          owner: 'core',
          why: 'DNS asked of the cell goes to cell-dns',
        });
    if (web)
      for (const port of [80, 443])
        pre.push({
          dst: listen,
          proto: 'tcp',
          dports: String(port),
          target: 'DNAT',
          toDestination: `${web}:${port}`,
          owner: 'core',
          why: 'the web app and routes asked of the cell go to Caddy',
        });
    nat.push(
      { name: CHAIN.prerouting, rules: pre },
      {
        name: CHAIN.postrouting,
        rules: [
          {
            src: tunnel,
            dst: m.cellNetwork,
            target: 'MASQUERADE',
            owner: 'core',
            why: 'tunnel traffic into the cell network leaves with the cell address',
          },
        ],
      },
    );
    hooks.push(
      {
        table: 'nat',
        chain: 'PREROUTING',
        rule: { in: m.iface, target: CHAIN.prerouting, owner: 'core', why: 'tunnel' },
      },
      { table: 'nat', chain: 'POSTROUTING', rule: { target: CHAIN.postrouting, owner: 'core', why: 'tunnel' } },
    );
  }
  for (const [key, c] of classes) placement.classes.set(key, c.chain);
  return { family, tables: { filter, nat, mangle: [{ name: CHAIN.mangle, rules: [] }] }, hooks, placement };
}

export function buildRules(
  m: FirewallInputs,
  before: Partial<Record<Family, BuiltFamily['placement']>> = {},
): { v4: BuiltFamily; v6: BuiltFamily | null } {
  return { v4: buildFamily(m, 4, before[4])!, v6: buildFamily(m, 6, before[6]) };
}
