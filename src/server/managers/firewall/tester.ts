/** "Can X reach Y?": a new connection walked through the same chains the kernel holds. */
import { cidrHost, cidrSize, parseAddress, parseCidr } from '@/lib/cidr';
import type { TestInput } from '@/lib/schemas/firewall';
import type { Db } from '../../db';
import { ValidationError } from '../../errors';
import { decide } from './decide';
import { buildRules, type FirewallInputs } from './model';
import { loadInputs } from './state';

/** "Can X reach Y?": walks a new connection through the same model the rules are rendered from. */
export function testReach(db: Db, input: TestInput) {
  const inputs = loadInputs(db);
  if (!inputs) throw new ValidationError('The tunnel is not configured yet');
  const src = sourceAddress(inputs, input.source);
  const dst = destinationOf(inputs, input.destination);
  const family = parseAddress(src)!.family;
  if (parseAddress(dst.address)!.family !== family)
    throw new ValidationError('Source and destination must be of the same address family', 'destination');
  const rules = buildRules(inputs);
  const set = family === 4 ? rules.v4 : rules.v6;
  if (!set) throw new ValidationError('The tunnel has no IPv6 subnet', 'source');
  const d = decide(set, { src, dst: dst.address, proto: dst.proto, port: dst.port });
  return { allowed: d.allowed, rule: d.rule, source: src, destination: dst };
}

function sourceAddress(inputs: FirewallInputs, s: TestInput['source']): string {
  if ('peerId' in s) {
    const address = inputs.peers.find((p) => p.id === s.peerId)?.addresses[0];
    if (!address) throw new ValidationError(`No peer with id ${s.peerId}`, 'source');
    return address;
  }
  if ('groupId' in s) {
    if (!inputs.groups.some((g) => g.id === s.groupId))
      throw new ValidationError(`No group with id ${s.groupId}`, 'source');
    // A member stands for its group; an empty group is tested with a stand-in member on an
    // address no peer holds (the subnet's last), so the answer is the group's, not a peer's.
    const member = inputs.peers.find(
      (p) => p.groups.length === 1 && p.groups[0] === s.groupId && p.peerToPeer === null && p.services === null,
    );
    if (member) return member.addresses[0]!;
    const stand = standInAddress(inputs);
    inputs.peers.push({
      id: 0,
      name: 'stand-in',
      addresses: [stand],
      groups: [s.groupId],
      peerToPeer: null,
      services: null,
    });
    return stand;
  }
  // A block is tested from its first address.
  return s.cidr.split('/')[0]!;
}

function standInAddress(inputs: FirewallInputs): string {
  const c = parseCidr(inputs.tunnel.subnet);
  if (typeof c === 'string') throw new ValidationError('The tunnel subnet is not valid');
  // The subnet's last host address: no peer is given it.
  return cidrHost(c, cidrSize(c) - 2n);
}

function destinationOf(inputs: FirewallInputs, d: TestInput['destination']) {
  if ('service' in d) {
    const svc = inputs.services.find((s) => s.name === d.service);
    if (!svc) throw new ValidationError(`${d.service} is not a service this cell runs`, 'destination');
    // The service's main port: DNS over UDP, NTP, HTTPS.
    const port = svc.ports.find((p) => p.port === 443) ?? svc.ports[0]!;
    return { address: svc.address, proto: port.proto, port: port.port };
  }
  if ('peerId' in d) {
    const address = inputs.peers.find((p) => p.id === d.peerId)?.addresses[0];
    if (!address) throw new ValidationError(`No peer with id ${d.peerId}`, 'destination');
    // A peer is tested with a ping; give its address and a port to test a port.
    return { address, proto: 'icmp' as const, port: undefined };
  }
  const proto = d.protocol ?? 'tcp';
  const port = d.port as number | undefined;
  if (proto !== 'icmp' && !port) throw new ValidationError('Give a port for tcp or udp', 'port');
  return { address: d.address, proto, port: proto === 'icmp' ? undefined : port };
}
