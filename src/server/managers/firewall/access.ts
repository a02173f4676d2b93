/** Who may use which service, decided as the rules decide it: what the store makes accounts from. */
import type { DbOrTx } from '../../db';
import { policyOf } from './model';
import { knownServices, listGroupRows, listMembers, sources } from './state';

export interface ServiceAccess {
  /** Each peer's services, by peer id. */
  peers: Map<number, readonly string[]>;
  groups: { id: number; name: string; members: number[] }[];
}

export function serviceAccess(tx: DbOrTx): ServiceAccess {
  const all = [...knownServices(tx)];
  const groups = listGroupRows(tx);
  const byId = new Map(groups.map((g) => [g.id, { ...g, members: [] as number[] }]));
  const memberships = new Map<number, number[]>();
  for (const m of listMembers(tx)) {
    memberships.set(m.peerId, [...(memberships.get(m.peerId) ?? []), m.groupId]);
    byId.get(m.groupId)?.members.push(m.peerId);
  }
  const peers = new Map<number, readonly string[]>();
  for (const p of sources.peers?.(tx) ?? [])
    peers.set(p.id, policyOf({ ...p, groups: memberships.get(p.id) ?? [] }, byId, all).services);
  return { peers, groups: [...byId.values()].map((g) => ({ id: g.id, name: g.name, members: g.members })) };
}
