/** The firewall's tables, and the one read of everything its rules are built from. */
import { asc, eq, inArray } from 'drizzle-orm';
import { cidrHost, parseCidr } from '@/lib/cidr';
import { CORE_SERVICES } from '@/lib/schemas/firewall';
import type { Db, DbOrTx } from '../../db';
import { firewallRules, firewallState, peerGroupMembers, peerGroups } from '../../db/schema';
import { processWide } from '../../runtime/process-wide';
import { cellExists, cellFacts } from '../cell';
import type { CustomRule, FirewallInputs, FirewallPeer, ServiceEndpoint } from './model';

export type GroupRow = typeof peerGroups.$inferSelect;
export type RuleRow = typeof firewallRules.$inferSelect;

/** A peer as the peers domain declares it to the firewall (its own settings; groups are the firewall's). */
export type DeclaredPeer = Omit<FirewallPeer, 'groups'>;

/** Where the firewall learns the peers: declared by the peers domain (see `server/appliers.ts`). */
export const sources = processWide('firewall.sources', () => ({
  peers: null as ((tx: DbOrTx, ids?: readonly number[]) => DeclaredPeer[]) | null,
  services: null as ((tx: DbOrTx) => ServiceEndpoint[]) | null,
}));

/** `read(tx)` gives every peer; `read(tx, ids)` those of `ids` that exist. */
export function declarePeers(read: (tx: DbOrTx, ids?: readonly number[]) => DeclaredPeer[]): void {
  sources.peers = read;
}

/** Where the firewall learns the services installed from the store (see `server/appliers.ts`). */
export function declareServices(read: (tx: DbOrTx) => ServiceEndpoint[]): void {
  sources.services = read;
}

export function ruleOf(r: RuleRow): CustomRule {
  const source: CustomRule['source'] =
    r.sourceKind === 'group'
      ? { kind: 'group', groupId: r.sourceGroupId! }
      : r.sourceKind === 'peer'
        ? { kind: 'peer', peerId: r.sourcePeerId! }
        : r.sourceKind === 'cidr'
          ? { kind: 'cidr', cidr: r.sourceCidr! }
          : { kind: 'any' };
  const destination: CustomRule['destination'] =
    r.destinationKind === 'service'
      ? { kind: 'service', service: r.destinationService! }
      : r.destinationKind === 'peer'
        ? { kind: 'peer', peerId: r.destinationPeerId! }
        : r.destinationKind === 'cidr'
          ? { kind: 'cidr', cidr: r.destinationCidr! }
          : { kind: 'internet' };
  return { id: r.id, source, destination, protocol: r.protocol, ports: r.ports, action: r.action, note: r.note };
}

export const listGroupRows = (tx: DbOrTx) => tx.select().from(peerGroups).orderBy(asc(peerGroups.name)).all();
export const listRuleRows = (tx: DbOrTx) =>
  tx.select().from(firewallRules).orderBy(asc(firewallRules.position), asc(firewallRules.id)).all();
export const listMembers = (tx: DbOrTx) => tx.select().from(peerGroupMembers).all();

/** The cell's services as the firewall sees them: where each answers and on which ports. */
export function serviceEndpoints(facts: ReturnType<typeof cellFacts>): ServiceEndpoint[] {
  const out: ServiceEndpoint[] = [];
  if (facts.dns)
    out.push({
      name: 'dns',
      address: facts.dns.host,
      ports: [
        { proto: 'udp', port: facts.dns.port },
        { proto: 'tcp', port: facts.dns.port },
      ],
    });
  if (facts.ntp) out.push({ name: 'ntp', address: facts.ntp, ports: [{ proto: 'udp', port: 123 }] });
  if (facts.proxy)
    out.push({
      name: 'web',
      address: facts.proxy,
      ports: [
        { proto: 'tcp', port: 80 },
        { proto: 'tcp', port: 443 },
      ],
    });
  return out;
}

/** The names of services a rule or a group may name: the core ones (turned off included) and those installed. */
export const knownServices = (tx?: DbOrTx): readonly string[] => [
  ...CORE_SERVICES,
  ...(tx ? (sources.services?.(tx) ?? []).map((s) => s.name) : []),
];

/** Everything the rules are built from, in one transaction; null before the tunnel exists. */
export function loadInputs(db: Db, iface = 'wg0'): FirewallInputs | null {
  return db.transaction((tx) => {
    if (!cellExists(tx)) return null;
    const facts = cellFacts(tx);
    if (!facts.tunnel) return null;
    const v4 = parseCidr(facts.tunnel.subnet);
    if (typeof v4 === 'string') return null;
    const memberships = new Map<number, number[]>();
    for (const m of listMembers(tx)) memberships.set(m.peerId, [...(memberships.get(m.peerId) ?? []), m.groupId]);
    const declared = sources.peers?.(tx) ?? [];
    return {
      iface,
      tunnel: { subnet: facts.tunnel.subnet, subnet6: facts.tunnel.subnet6, address: cidrHost(v4, 1) },
      cellNetwork: facts.cellNetwork.subnet,
      services: [...serviceEndpoints(facts), ...(sources.services?.(tx) ?? [])],
      redirects: { dns: facts.dns ? { target: facts.dns.host, port: facts.dns.port } : null, web: facts.proxy },
      peers: declared.map((p) => ({ ...p, groups: memberships.get(p.id) ?? [] })),
      groups: listGroupRows(tx).map((g) => ({
        id: g.id,
        name: g.name,
        peerToPeer: g.peerToPeer,
        services: g.services,
      })),
      rules: listRuleRows(tx).map(ruleOf),
    };
  });
}

/** Some peers as the rules see them (with their groups); those no longer there are left out. */
export function loadPeers(db: Db, ids: readonly number[]): FirewallPeer[] {
  return db.transaction((tx) => {
    const memberships = new Map<number, number[]>();
    const rows = tx
      .select()
      .from(peerGroupMembers)
      .where(inArray(peerGroupMembers.peerId, [...ids]))
      .all();
    for (const m of rows) memberships.set(m.peerId, [...(memberships.get(m.peerId) ?? []), m.groupId]);
    return (sources.peers?.(tx, ids) ?? []).map((p) => ({ ...p, groups: memberships.get(p.id) ?? [] }));
  });
}

export function stateRow(db: DbOrTx) {
  return db.select().from(firewallState).where(eq(firewallState.id, 1)).get() ?? null;
}

export function updateState(db: DbOrTx, set: Partial<typeof firewallState.$inferInsert>): void {
  db.insert(firewallState)
    .values({ id: 1, ...set })
    .onConflictDoUpdate({ target: firewallState.id, set })
    .run();
}
