/** The admin's rules as chain lines: sources, destinations and ports in iptables' terms. */
import { parseAddress, parseCidr } from '@/lib/cidr';
import { CHAIN, type CustomRule, type Family, type FirewallPeer, type ServiceEndpoint } from './inputs';
import type { NfRule } from './render';

export const familyOf = (address: string): Family | null => parseAddress(address)?.family ?? null;
export const cidrFamily = (cidr: string): Family | null => {
  const c = parseCidr(cidr, { strict: false });
  return typeof c === 'string' ? null : c.family;
};
export const host = (address: string) => `${address}/${familyOf(address) === 6 ? 128 : 32}`;

const portsToIptables = (ports: string) => ports.replace(/-/g, ':');

export function portsContain(ports: string, port: number): boolean {
  return ports.split(',').some((p) => {
    const [lo, hi] = p.split(/[-:]/).map(Number);
    return port >= lo! && port <= (hi ?? lo!);
  });
}

/** The lines a custom rule becomes in one class chain, for one family. */
export function customLines(
  r: CustomRule,
  index: number,
  family: Family,
  ctx: { peersById: Map<number, FirewallPeer>; services: Map<string, ServiceEndpoint> },
): NfRule[] {
  const why = `rule ${index + 1}${r.note ? `: ${r.note}` : ''}`;
  const base = { owner: 'custom' as const, why, ref: `rule:${r.id}` };
  const verdict = r.action === 'allow' ? 'ACCEPT' : 'DROP';
  let src: string | undefined;
  if (r.source.kind === 'cidr') {
    if (cidrFamily(r.source.cidr) !== family) return [];
    src = r.source.cidr;
  }
  const proto = r.protocol === 'any' ? undefined : r.protocol;
  const dports = r.ports ? portsToIptables(r.ports) : undefined;
  const d = r.destination;
  if (d.kind === 'service') {
    const svc = ctx.services.get(d.service);
    if (!svc || familyOf(svc.address) !== family) return [];
    return svc.ports
      .filter((p) => (!proto || p.proto === proto) && (!r.ports || portsContain(r.ports, p.port)))
      .map((p) => ({ ...base, src, dst: host(svc.address), proto: p.proto, dports: String(p.port), target: verdict }));
  }
  let dst: string | undefined;
  if (d.kind === 'peer') {
    const address = ctx.peersById.get(d.peerId)?.addresses.find((a) => familyOf(a) === family);
    if (!address) return [];
    dst = host(address);
  } else if (d.kind === 'cidr') {
    if (cidrFamily(d.cidr) !== family) return [];
    dst = d.cidr;
  }
  const target = d.kind === 'internet' ? (r.action === 'allow' ? CHAIN.inetAllow : CHAIN.inetDeny) : verdict;
  return [{ ...base, src, dst, proto, dports, target }];
}

export function appliesTo(r: CustomRule, peer: FirewallPeer | null): boolean {
  switch (r.source.kind) {
    case 'any':
    case 'cidr':
      return true;
    case 'group':
      return peer !== null && peer.groups.includes(r.source.groupId);
    case 'peer':
      return peer !== null && peer.id === r.source.peerId;
  }
}
