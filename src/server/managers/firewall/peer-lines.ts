/**
 * A peer's lines in the firewall's chains: where its settings place it, and a few peers'
 * changes made to a build without another one (see `patchPeers`). Pure, like the model.
 */
import { parseAddress } from '@/lib/cidr';
import { RenderError } from '../render-guard';
import { familyOf } from './custom-lines';
import { CHAIN, type Family, type FirewallPeer } from './inputs';
import type { ChainEdit, FamilyRules, NfRule } from './render';

/** What decides a peer's class chain: its groups, its own settings, and its own rules (by its id). */
export const settingsOf = (
  peer: Pick<FirewallPeer, 'id' | 'groups' | 'peerToPeer' | 'services'>,
  own: ReadonlySet<number>,
) => JSON.stringify([[...peer.groups].sort(), peer.peerToPeer, peer.services, own.has(peer.id) ? peer.id : 0]);
export const NO_PEER = { id: 0, groups: [], peerToPeer: null, services: null };

/** The peer's address in this family as a host route; every address it has is checked. */
export function peerCidr(peer: FirewallPeer, family: Family): string | undefined {
  let mine: string | undefined;
  for (const a of peer.addresses) {
    const f = familyOf(a);
    if (f === null)
      throw new RenderError(`refusing to render peer ${peer.id}: ${JSON.stringify(a).slice(0, 60)} is not an address`);
    if (f === family) mine ??= `${a}/${f === 6 ? 128 : 32}`;
  }
  return mine;
}

export const forwardRule = (peer: FirewallPeer, cidr: string, place: Place): NfRule => ({
  src: cidr,
  target: place.chain,
  owner: 'peer',
  why: `peer ${peer.name}`,
  ref: `peer:${peer.id}`,
});
export const p2pRule = (peer: FirewallPeer, cidr: string): NfRule => ({
  dst: cidr,
  target: 'ACCEPT',
  owner: 'peer',
  why: `peer ${peer.name} allows peer-to-peer`,
  ref: `peer:${peer.id}`,
});

/** Where a set of peer settings goes: its class chain, and whether it is in the peer-to-peer chain. */
export interface Place {
  chain: string;
  peerToPeer: boolean;
}

/** A family's rules with what a build learnt about placing peers (see `patchPeers`). */
export interface BuiltFamily extends FamilyRules {
  placement: {
    /** By a peer's settings (see `settingsOf`). */
    places: Map<string, Place>;
    /** Peers with rules of their own. */
    own: ReadonlySet<number>;
    /** Peers a custom rule names (as source or destination): their lines depend on more than their settings. */
    named: ReadonlySet<number>;
    /** Each class chain's name, by what makes the class (its groups, policy and own rules). */
    classes: ReadonlyMap<string, string>;
  };
}

/**
 * A few peers' changes made to a build: their lines in the forward and peer-to-peer chains
 * are replaced, deleted or inserted (in address order, as a build puts them), with the edits
 * that do the same to the kernel's chains. Nothing here grows with the number of peers beyond
 * finding a line. Null when a build is needed: a peer's settings make a class no peer had, or
 * a custom rule names the peer.
 * `changes` maps each peer's id to the peer as it is now (null: removed).
 */
export function patchPeers(
  rules: BuiltFamily,
  changes: Map<number, FirewallPeer | null>,
): { next: BuiltFamily; edits: ChainEdit[] } | null {
  const placement = rules.placement;
  const filter = rules.tables.filter;
  const forward = [...(filter.find((c) => c.name === CHAIN.forward)?.rules ?? [])];
  const p2p = [...(filter.find((c) => c.name === CHAIN.p2p)?.rules ?? [])];
  const edits: ChainEdit[] = [];
  // Peers' lines sit between the first line and the last one in the forward chain, and before
  // the last one in the peer-to-peer chain.
  const edit = (chain: string, lines: NfRule[], from: number, ref: string, now: NfRule | null, cidr: string) => {
    const to = lines.length - 1;
    const old = lines.findIndex((r, i) => i >= from && i < to && r.ref === ref);
    if (old >= 0 && now && lines[old]!.src === now.src && lines[old]!.dst === now.dst) {
      lines[old] = now;
      edits.push({ op: 'replace', chain, at: old + 1, rule: now });
      return;
    }
    if (old >= 0) {
      lines.splice(old, 1);
      edits.push({ op: 'delete', chain, at: old + 1 });
    }
    if (!now) return;
    // The first peer line whose address comes after this one's.
    const key = addressValue(cidr);
    let lo = from;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (addressValue((lines[mid]!.src ?? lines[mid]!.dst)!) < key) lo = mid + 1;
      else hi = mid;
    }
    lines.splice(lo, 0, now);
    edits.push({ op: 'insert', chain, at: lo + 1, rule: now });
  };
  for (const [id, peer] of changes) {
    if (placement.named.has(id)) return null;
    const cidr = peer ? peerCidr(peer, rules.family) : undefined;
    const place = peer && cidr ? placement.places.get(settingsOf(peer, placement.own)) : undefined;
    if (peer && cidr && !place) return null;
    const ref = `peer:${id}`;
    edit(CHAIN.forward, forward, 1, ref, place ? forwardRule(peer!, cidr!, place) : null, cidr ?? '');
    edit(CHAIN.p2p, p2p, 0, ref, place?.peerToPeer ? p2pRule(peer!, cidr!) : null, cidr ?? '');
  }
  const chains = filter.map((c) =>
    c.name === CHAIN.forward ? { ...c, rules: forward } : c.name === CHAIN.p2p ? { ...c, rules: p2p } : c,
  );
  return { next: { ...rules, tables: { ...rules.tables, filter: chains } }, edits };
}

/** A host route's address as a number, to keep peers' lines in address order. */
function addressValue(cidr: string): bigint {
  return parseAddress(cidr.split('/')[0]!)?.value ?? 0n;
}
