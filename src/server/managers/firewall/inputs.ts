/** What the firewall's model is built from, and the names of the cell's own chains. */
import type { RuleDestination, RuleSource } from '@/lib/schemas/firewall';
import type { Protocol } from './render';

export type Family = 4 | 6;

export interface ServiceEndpoint {
  name: string;
  address: string;
  ports: { proto: Protocol; port: number }[];
}

export interface FirewallPeer {
  id: number;
  name: string;
  /** Its tunnel addresses (IPv4, and IPv6 when the tunnel has it), without prefix. */
  addresses: string[];
  groups: number[];
  /** Its own setting; null: its groups decide. */
  peerToPeer: boolean | null;
  services: string[] | null;
}

export interface FirewallGroup {
  id: number;
  name: string;
  peerToPeer: boolean;
  services: string[];
}

export interface CustomRule {
  id: number;
  source: RuleSource;
  destination: RuleDestination;
  protocol: 'any' | Protocol;
  ports: string | null;
  action: 'allow' | 'deny';
  note: string;
}

export interface FirewallInputs {
  /** The tunnel's interface where its traffic is filtered (`wg0`). */
  iface: string;
  tunnel: { subnet: string; subnet6: string | null; address: string };
  cellNetwork: string;
  services: ServiceEndpoint[];
  /** DNS and HTTP(S) asked of the cell's tunnel address go to cell-dns and Caddy. */
  redirects: { dns: { target: string; port: number } | null; web: string | null };
  peers: FirewallPeer[];
  groups: FirewallGroup[];
  rules: CustomRule[];
}

export const CHAIN = {
  forward: 'PIC-FORWARD',
  p2p: 'PIC-P2P',
  defaults: 'PIC-DEFAULT',
  inetAllow: 'PIC-INET-ALLOW',
  inetDeny: 'PIC-INET-DENY',
  prerouting: 'PIC-PREROUTING',
  postrouting: 'PIC-POSTROUTING',
  mangle: 'PIC-MANGLE',
} as const;
export const classChain = (n: number) => `PIC-C${n}`;
