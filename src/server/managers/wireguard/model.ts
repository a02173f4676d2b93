/**
 * Pure: from stored rows to renderer models. Addresses come from the subnet and
 * each peer's host number; disabled and expired peers leave the server config.
 */
import {
  cidrContains,
  cidrHost,
  cidrSize,
  isCidr,
  isLocalOnlyAddress,
  parseAddress,
  parseCidr,
  type Cidr,
} from '@/lib/cidr';
import type { RoutingPolicy } from '@/lib/schemas/peers';
import { formatEndpoint, type ClientModel, type ServerModel } from './render';

/** The cell's container network unless the stack says otherwise; linked cells' subnets join the split tunnel later. */
export const CELL_NETWORK = '172.20.0.0/16';
export const CELL_HOST_INDEX = 1;
export const FIRST_PEER_INDEX = 2;

export interface ServerRow {
  listenPort: number;
  subnet: string;
  subnet6: string | null;
  endpointHost: string | null;
  endpointPort: number | null;
  dns: string[] | null;
  mtu: number | null;
  persistentKeepalive: number;
  publicKey: string;
}

export interface PeerRow {
  id: number;
  name: string;
  hostIndex: number;
  routingPolicy: RoutingPolicy;
  allowedIps: string[];
  peerToPeer: boolean;
  publicKey: string;
  enabled: boolean;
  expiresAt: Date | null;
}

export interface Plan {
  v4: Cidr;
  v6: Cidr | null;
}

export function planOf(s: Pick<ServerRow, 'subnet' | 'subnet6'>): Plan {
  return { v4: parseCidr(s.subnet) as Cidr, v6: s.subnet6 ? (parseCidr(s.subnet6) as Cidr) : null };
}

/** Highest host number a peer may take (the last address is the broadcast address). */
export function lastPeerIndex(plan: Plan): number {
  return Number(cidrSize(plan.v4)) - 2;
}

export function hostAddresses(plan: Plan, index: number): { v4: string; v6: string | null } {
  return { v4: cidrHost(plan.v4, index), v6: plan.v6 ? cidrHost(plan.v6, index) : null };
}

export const withPrefix = (plan: Plan, index: number, own: boolean): string[] => {
  const a = hostAddresses(plan, index);
  const p4 = own ? 32 : plan.v4.prefix;
  const out = [`${a.v4}/${p4}`];
  if (a.v6 && plan.v6) out.push(`${a.v6}/${own ? 128 : plan.v6.prefix}`);
  return out;
};

export function isActive(p: Pick<PeerRow, 'enabled' | 'expiresAt'>, now: Date): boolean {
  return p.enabled && (!p.expiresAt || p.expiresAt.getTime() > now.getTime());
}

/** What the server's config needs of a peer. */
export type ServerPeerRow = Pick<PeerRow, 'id' | 'name' | 'hostIndex' | 'publicKey' | 'enabled' | 'expiresAt'>;

export function serverModel(
  cellName: string,
  server: ServerRow & { privateKey: string },
  peers: (ServerPeerRow & { presharedKey: string | null })[],
  now: Date,
): ServerModel {
  const plan = planOf(server);
  return {
    cellName,
    privateKey: server.privateKey,
    addresses: withPrefix(plan, CELL_HOST_INDEX, false),
    listenPort: server.listenPort,
    mtu: server.mtu,
    peers: peers
      .filter((p) => isActive(p, now))
      .sort((a, b) => a.hostIndex - b.hostIndex)
      .map((p) => ({
        id: p.id,
        name: p.name,
        hostIndex: p.hostIndex,
        publicKey: p.publicKey,
        presharedKey: p.presharedKey,
        allowedIps: withPrefix(plan, p.hostIndex, true),
      })),
  };
}

/** What the client sends through the tunnel, by routing policy. */
export function clientAllowedIps(
  plan: Plan,
  peer: Pick<PeerRow, 'routingPolicy' | 'allowedIps' | 'peerToPeer'>,
  cellNetwork = CELL_NETWORK,
): string[] {
  switch (peer.routingPolicy) {
    case 'full':
      return plan.v6 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'];
    case 'custom':
      return peer.allowedIps;
    case 'cell': {
      // Peers that may reach each other route the whole tunnel subnet; others only the cell.
      const tunnel = peer.peerToPeer
        ? [
            `${cidrHost(plan.v4, 0)}/${plan.v4.prefix}`,
            ...(plan.v6 ? [`${cidrHost(plan.v6, 0)}/${plan.v6.prefix}`] : []),
          ]
        : withPrefix(plan, CELL_HOST_INDEX, true);
      return [...tunnel, cellNetwork];
    }
  }
}

/**
 * A client must reach the resolver its config names: a DNS address outside every routed
 * network would be asked outside the tunnel, where it is not (the cell's own address), so
 * it is routed as a single host.
 */
export function routeDns(allowedIps: string[], dns: string[]): string[] {
  const routed = allowedIps.map((c) => parseCidr(c, { strict: false })).filter(isCidr);
  const missing = dns.flatMap((d) => {
    const a = parseAddress(d);
    if (!a || routed.some((c) => cidrContains(c, a.family, a.value))) return [];
    return [`${d}/${a.family === 4 ? 32 : 128}`];
  });
  return [...allowedIps, ...missing];
}

export function endpointOf(server: ServerRow, domain: string): string {
  return formatEndpoint(server.endpointHost ?? domain, server.endpointPort ?? server.listenPort);
}

/** Names that resolve only inside a home network (RFC 8375, mDNS, common router suffixes, the cell's own zone). */
const LAN_ONLY_NAME = /(^[^.]+$)|\.(home\.arpa|local|lan|internal|localdomain|localhost|home|cell)\.?$/i;

/**
 * Why devices away from home could not reach this endpoint host, or null when they can.
 * Clients get the endpoint in their config, so a private one only works at home.
 */
export function endpointWarning(server: ServerRow, domain: string): string | null {
  const host = server.endpointHost ?? domain;
  const fix =
    'Set a public name or address as the endpoint host on the WireGuard page, or use a domain with dynamic DNS in Settings.';
  if (parseAddress(host)) {
    return isLocalOnlyAddress(host)
      ? `Peer configs use ${host}, a private address: devices away from this network cannot reach it. ${fix}`
      : null;
  }
  return LAN_ONLY_NAME.test(host)
    ? `Peer configs use ${host}, a name only this network can resolve: devices away from it cannot connect. ${fix}`
    : null;
}

/** The client's DNS: the cell's IPv4 tunnel address, where the WireGuard side forwards to cell-dns. */
export function dnsOf(server: ServerRow): string[] {
  if (server.dns?.length) return server.dns;
  return [hostAddresses(planOf(server), CELL_HOST_INDEX).v4];
}

export function clientModel(
  cell: { name: string; domain: string; network?: string },
  server: ServerRow,
  peer: PeerRow & { privateKey: string | null; presharedKey: string | null },
): ClientModel {
  const plan = planOf(server);
  const dns = dnsOf(server);
  return {
    cellName: cell.name,
    peerName: peer.name,
    privateKey: peer.privateKey,
    addresses: withPrefix(plan, peer.hostIndex, true),
    dns,
    mtu: server.mtu,
    server: {
      publicKey: server.publicKey,
      presharedKey: peer.presharedKey,
      allowedIps: routeDns(clientAllowedIps(plan, peer, cell.network), dns),
      endpoint: endpointOf(server, cell.domain),
      persistentKeepalive: server.persistentKeepalive,
    },
  };
}
