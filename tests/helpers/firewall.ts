/** Firewall test helpers: peers' changes step by step, and what a rule set means whatever its class chains are called. */
import type { FamilyRules, FirewallInputs } from '@/server/managers/firewall/model';
import { ruleSpec } from '@/server/managers/firewall/render';
import { parseSave } from '@/server/managers/firewall/save-text';

const CLASS = /^PIC-C\d+$/;

/** The filter table's chains as iptables lines. */
export const chainsOf = (rules: FamilyRules): Record<string, string[]> =>
  Object.fromEntries(rules.tables.filter.map((c) => [c.name, c.rules.map((r) => ruleSpec(r, rules.family))]));

/** The filter table's chains of the cell in an `iptables-save`, in the renderer's words. */
export function chainsOfSave(text: string): Record<string, string[]> {
  const { filter } = parseSave(text).own;
  return Object.fromEntries(
    filter.chains.map((c) => [
      c,
      filter.lines.filter((l) => l.startsWith(`-A ${c} `)).map((l) => l.slice(`-A ${c} `.length)),
    ]),
  );
}

/**
 * Each chain but the class chains, a jump to a class chain written as that chain's lines: two
 * rule sets that treat every packet alike compare equal, however their classes are numbered
 * and whether a class no peer uses is still there.
 */
export function meaning(chains: Record<string, string[]>): Record<string, string[]> {
  const names = Object.keys(chains);
  const classes = new Map(names.filter((n) => CLASS.test(n)).map((n) => [n, chains[n]!.join(' | ')]));
  return Object.fromEntries(
    names
      .filter((n) => !CLASS.test(n))
      .map((n) => [n, chains[n]!.map((l) => l.replace(/-j (PIC-C\d+)$/, (_, k: string) => `-> ${classes.get(k)}`))]),
  );
}

/**
 * Peers' changes to the `ipv6` golden's inputs, each into settings some peer already has
 * (peers 3 and 4 are named by rules and left alone); each returns the ids it touched.
 */
export const peerSteps: ((m: FirewallInputs) => number[])[] = [
  (m) => {
    m.peers.push({
      id: 20,
      name: 'new',
      addresses: ['10.0.0.20', 'fd00:cafe::14'],
      groups: [1],
      peerToPeer: null,
      services: null,
    });
    return [20];
  },
  (m) => {
    m.peers.find((p) => p.id === 1)!.name = 'mother';
    return [1];
  },
  (m) => {
    // Out of the family: the class of addresses of no peer, and out of the peer-to-peer chain.
    m.peers.find((p) => p.id === 2)!.groups = [];
    return [2];
  },
  (m) => {
    m.peers = m.peers.filter((p) => p.id !== 5);
    return [5];
  },
  (m) => {
    // Where peer 5 was, between others: no IPv6 address.
    m.peers.push({ id: 21, name: 'between', addresses: ['10.0.0.6'], groups: [], peerToPeer: null, services: null });
    m.peers.sort((a, b) => Number(a.addresses[0]!.split('.')[3]) - Number(b.addresses[0]!.split('.')[3]));
    return [21];
  },
  (m) => {
    m.peers = m.peers.filter((p) => p.id !== 20);
    m.peers.find((p) => p.id === 21)!.groups = [1];
    return [20, 21];
  },
  (m) => {
    m.peers.find((p) => p.id === 1)!.addresses = ['10.0.0.30', 'fd00:cafe::1e'];
    m.peers.sort((a, b) => Number(a.addresses[0]!.split('.')[3]) - Number(b.addresses[0]!.split('.')[3]));
    return [1];
  },
];
